// Small display helpers shared by the views.
import type { Account } from "./api/types";

export function displayName(account: Account): string {
  return account.display_name.trim() || account.username;
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "narrow" });

/** "5m ago"-style time for recent posts, a date for older ones. */
export function shortTime(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), "day");
  return new Date(then).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
}

export function fullTime(iso: string): string {
  const then = new Date(iso);
  return Number.isNaN(then.getTime()) ? "" : then.toLocaleString("en");
}
