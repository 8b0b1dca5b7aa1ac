// A post's poll: a vote form for a member who has not voted, results otherwise.
import { useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Poll } from "../api/types";
import { shortTime } from "../format";
import { api } from "../session";
import { plural, t } from "../strings";
import { leaders, share, showsResults } from "./poll";

interface Props {
  poll: Poll;
  /** A signed-in member other than the author: may vote. */
  canVote: boolean;
  onVoted: (poll: Poll) => void;
}

export function PollView({ poll, canVote, onVoted }: Props) {
  const [chosen, setChosen] = useState<number[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const results = showsResults(poll, canVote);
  const name = `poll-${poll.id}`;
  const top = leaders(poll);

  const vote = async (event: Event) => {
    event.preventDefault();
    if (!chosen.length) return;
    setBusy(true);
    setError(null);
    try {
      onVoted(await api.post<Poll>(`/api/v1/polls/${encodeURIComponent(poll.id)}/votes`, { choices: chosen.map(String) }));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  const pick = (index: number, on: boolean) =>
    setChosen((old) => (poll.multiple ? (on ? [...old, index] : old.filter((i) => i !== index)) : [index]));

  const summary = (
    <p class="poll-summary muted">
      {plural("poll_votes", poll.votes_count)}
      {" · "}
      {poll.expired || !poll.expires_at ? t("poll_closed") : t("poll_ends", { time: shortTime(poll.expires_at) })}
    </p>
  );
  if (results) {
    return (
      <div class="poll">
        <ul class="poll-results" aria-label={t("poll_results")}>
          {poll.options.map((option, index) => {
            const percent = share(poll, option.votes_count);
            const mine = poll.own_votes?.includes(index);
            return (
              <li key={index} class={top.has(index) ? "poll-leader" : undefined}>
                <span class="poll-bar" aria-hidden="true" style={{ width: `${percent ?? 0}%` }} />
                <span class="poll-percent">{percent === null ? "–" : `${percent}%`}</span>{" "}
                <span class="poll-title">{option.title}</span>
                {mine && <span class="poll-mine">{" "}({t("poll_your_choice")})</span>}
              </li>
            );
          })}
        </ul>
        {summary}
      </div>
    );
  }
  return (
    <form class="poll" onSubmit={vote}>
      <fieldset>
        <legend class="visually-hidden">{poll.multiple ? t("poll_choose_several") : t("poll_choose_one")}</legend>
        {poll.options.map((option, index) => (
          <label key={index} class="poll-choice">
            <input
              type={poll.multiple ? "checkbox" : "radio"}
              name={name}
              value={index}
              checked={chosen.includes(index)}
              onChange={(e) => pick(index, e.currentTarget.checked)}
            />
            <span>{option.title}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" class="secondary" disabled={busy || !chosen.length}>{t("poll_vote")}</button>
      {summary}
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
