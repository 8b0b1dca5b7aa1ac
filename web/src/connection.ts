// How the page's link to Rookery is doing, for the banner: rate limited (429, until when) and
// live streams lost (reconnecting when). Views report here; the banner reads it.
import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import type { StreamStatus } from "./api/streaming";

/** Without a Retry-After, the banner asks for this long a pause. */
export const DEFAULT_PAUSE_S = 10;

export interface ConnectionState {
  /** Epoch ms until which requests are refused, or null. */
  rateLimitedUntil: number | null;
  /** Streams (by hook id) that are lost: epoch ms of their next attempt. */
  lost: Map<number, number>;
  /** Epoch ms when the last lost stream came back, for a short "back" note. */
  restoredAt: number | null;
}

const state: ConnectionState = { rateLimitedUntil: null, lost: new Map(), restoredAt: null };
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((listener) => listener());

export function rateLimited(retryAfterSeconds: number | null, now: number = Date.now()): void {
  const until = now + 1000 * (retryAfterSeconds ?? DEFAULT_PAUSE_S);
  state.rateLimitedUntil = Math.max(state.rateLimitedUntil ?? 0, until);
  changed();
}

let nextStream = 1;
export const streamId = () => nextStream++;

export function streamStatus(id: number, status: StreamStatus | null, now: number = Date.now()): void {
  const wasLost = state.lost.size > 0;
  if (status?.state === "lost") state.lost.set(id, now + 1000 * status.retryInSeconds);
  else if (status?.state === "open" || status === null) state.lost.delete(id);
  else return; // connecting: still lost if it was
  if (wasLost && state.lost.size === 0 && status !== null) state.restoredAt = now;
  changed();
}

/** What the banner says now: whole seconds left, or null when there is nothing to say. */
export function bannerOf(current: ConnectionState, now: number): { wait: number | null; reconnect: number | null; restored: boolean } {
  const wait = current.rateLimitedUntil !== null && current.rateLimitedUntil > now ? Math.ceil((current.rateLimitedUntil - now) / 1000) : null;
  const next = current.lost.size ? Math.min(...current.lost.values()) : null;
  const reconnect = next === null ? null : Math.max(0, Math.ceil((next - now) / 1000));
  const restored = current.lost.size === 0 && current.restoredAt !== null && now - current.restoredAt < 4000;
  return { wait, reconnect, restored };
}

/** Re-renders on every change and once a second while something counts down. */
export function useConnection(): ReturnType<typeof bannerOf> {
  // a counter, not the time: two changes within one millisecond must both re-render
  const [tick, setTick] = useState(0);
  // subscribed at once (a layout effect), so that no change between render and paint is missed
  useLayoutEffect(() => {
    const update = () => setTick((n) => n + 1);
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  const banner = bannerOf(state, Date.now());
  const ticking = banner.wait !== null || banner.reconnect !== null || banner.restored;
  useEffect(() => {
    if (!ticking) return;
    const timer = setTimeout(() => setTick((n) => n + 1), 1000);
    return () => clearTimeout(timer);
  }, [tick, ticking]);
  return banner;
}

/** For tests: forget everything. */
export function resetConnection(): void {
  state.rateLimitedUntil = null;
  state.lost.clear();
  state.restoredAt = null;
  changed();
}
