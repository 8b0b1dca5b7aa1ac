// Favourite, boost and bookmark: one POST each way; the answer is the post as it is now.
import type { ApiClient } from "../api/client";
import type { Status } from "../api/types";

export type Toggle = "favourite" | "reblog" | "bookmark";

const flag: Record<Toggle, "favourited" | "reblogged" | "bookmarked"> = {
  favourite: "favourited",
  reblog: "reblogged",
  bookmark: "bookmarked",
};

export function isOn(status: Status, toggle: Toggle): boolean {
  return Boolean(status[flag[toggle]]);
}

/** The path that flips the toggle: favourite ↔ unfavourite and so on. */
export function togglePath(status: Status, toggle: Toggle): string {
  const verb = isOn(status, toggle) ? `un${toggle}` : toggle;
  return `/api/v1/statuses/${encodeURIComponent(status.id)}/${verb}`;
}

export async function flip(api: ApiClient, status: Status, toggle: Toggle): Promise<Status> {
  const answer = await api.post<Status>(togglePath(status, toggle));
  // Boosting answers with the new boost; the post itself is inside it.
  return answer.reblog && answer.reblog.id === status.id ? answer.reblog : answer;
}
