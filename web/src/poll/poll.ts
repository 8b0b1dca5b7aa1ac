// Polls: what a draft poll sends, whether it can be sent, and how results read.
import type { Poll } from "../api/types";
import type { StringKey } from "../strings";

export const MAX_CHOICES = 4;
export const MAX_CHOICE_CHARS = 50;

/** The lengths offered in compose, in seconds (Mastodon's range: five minutes to a week here). */
export const DURATIONS: { seconds: number; label: StringKey }[] = [
  { seconds: 300, label: "poll_5m" },
  { seconds: 1800, label: "poll_30m" },
  { seconds: 3600, label: "poll_1h" },
  { seconds: 21600, label: "poll_6h" },
  { seconds: 86400, label: "poll_1d" },
  { seconds: 259200, label: "poll_3d" },
  { seconds: 604800, label: "poll_7d" },
];

export interface PollDraft {
  options: string[];
  expiresIn: number;
  multiple: boolean;
}

export const newPoll = (): PollDraft => ({ options: ["", ""], expiresIn: 86400, multiple: false });

export type PollProblem = "poll_problem_choices" | "poll_problem_duplicate" | "poll_problem_long";

/** Why the draft poll cannot be posted (a catalogue key), or null. */
export function pollProblem(draft: PollDraft): PollProblem | null {
  const choices = draft.options.map((option) => option.trim());
  if (choices.filter(Boolean).length < 2 || choices.some((choice) => !choice)) return "poll_problem_choices";
  if (choices.some((choice) => [...choice].length > MAX_CHOICE_CHARS)) return "poll_problem_long";
  if (new Set(choices.map((choice) => choice.toLowerCase())).size !== choices.length) return "poll_problem_duplicate";
  return null;
}

/** The `poll` parameter of POST/PUT /api/v1/statuses. */
export function pollBody(draft: PollDraft): { options: string[]; expires_in: number; multiple: boolean } {
  return { options: draft.options.map((option) => option.trim()), expires_in: draft.expiresIn, multiple: draft.multiple };
}

/** A posted poll as a draft again (editing): the offered length nearest above the time left. */
export function draftOf(poll: Poll, now: number = Date.now()): PollDraft {
  const left = poll.expires_at ? Math.max(0, (Date.parse(poll.expires_at) - now) / 1000) : 86400;
  const expiresIn = (DURATIONS.find((d) => d.seconds >= left) ?? DURATIONS[DURATIONS.length - 1]).seconds;
  return { options: poll.options.map((option) => option.title), expiresIn, multiple: poll.multiple };
}

/** Results are shown once voted, once closed, to the author, and to visitors (who cannot vote). */
export function showsResults(poll: Poll, canVote: boolean): boolean {
  return !canVote || poll.expired || Boolean(poll.voted);
}

/** A choice's share in whole percent: of voters for a multiple-choice poll (as Mastodon), of votes otherwise. */
export function share(poll: Poll, votes: number | null): number | null {
  if (votes === null) return null;
  const total = poll.multiple ? (poll.voters_count ?? poll.votes_count) : poll.votes_count;
  return total > 0 ? Math.round((votes / total) * 100) : 0;
}

/** The choice or choices with the most votes (none while nobody voted). */
export function leaders(poll: Poll): Set<number> {
  const most = Math.max(0, ...poll.options.map((option) => option.votes_count ?? 0));
  return new Set(most > 0 ? poll.options.flatMap((option, index) => (option.votes_count === most ? [index] : [])) : []);
}
