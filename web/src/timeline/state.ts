// A timeline's state: pure functions over posts shown, posts waiting ("n new posts") and the
// cursor for older pages. Every list keeps one entry per id.
import type { Status } from "../api/types";

export interface TimelineState {
  /** Shown, newest first. */
  items: Status[];
  /** Arrived live while the reader was scrolled away, newest first. */
  pending: Status[];
  /** Link rel="next" of the last page: where older posts come from; null once the end is reached. */
  next: string | null;
  ended: boolean;
}

export const emptyTimeline: TimelineState = { items: [], pending: [], next: null, ended: false };

function dedupe(statuses: Status[]): Status[] {
  const seen = new Set<string>();
  return statuses.filter((status) => (seen.has(status.id) ? false : (seen.add(status.id), true)));
}

/** An older page arrived: append what is not shown yet, move the cursor. */
export function appendPage(state: TimelineState, page: Status[], next: string | null): TimelineState {
  const items = dedupe([...state.items, ...page]);
  return { ...state, items, next, ended: next === null || page.length === 0 };
}

/** A live post: straight to the top when the reader is there, else it waits in `pending`. */
export function receive(state: TimelineState, status: Status, atTop: boolean): TimelineState {
  const known = state.items.some((item) => item.id === status.id);
  if (known) return replaceStatus(state, status);
  if (atTop && state.pending.length === 0) return { ...state, items: [status, ...state.items] };
  return { ...state, pending: dedupe([status, ...state.pending]) };
}

/** "n new posts" clicked, or the reader scrolled back to the top. */
export function showPending(state: TimelineState): TimelineState {
  if (state.pending.length === 0) return state;
  return { ...state, items: dedupe([...state.pending, ...state.items]), pending: [] };
}

function touches(status: Status, id: string): boolean {
  return status.id === id || status.reblog?.id === id;
}

/** A post (or the post a boost wraps) changed: favourited, edited, boosted... */
export function replaceStatus(state: TimelineState, updated: Status): TimelineState {
  const swap = (status: Status): Status => {
    if (status.id === updated.id) return updated;
    if (status.reblog?.id === updated.id) return { ...status, reblog: updated };
    return status;
  };
  return { ...state, items: state.items.map(swap), pending: state.pending.map(swap) };
}

/** A post was deleted: it and every boost of it disappear. */
export function removeStatus(state: TimelineState, id: string): TimelineState {
  const keep = (status: Status) => !touches(status, id);
  return { ...state, items: state.items.filter(keep), pending: state.pending.filter(keep) };
}
