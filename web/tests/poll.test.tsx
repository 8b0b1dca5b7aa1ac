// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import type { Poll, Status } from "../src/api/types";
import { Compose } from "../src/compose/Compose";
import { draftOf, leaders, pollBody, pollProblem, share, showsResults } from "../src/poll/poll";
import { StatusCard } from "../src/timeline/StatusCard";
import { buttonIn, useApiDouble } from "./api-double";
import { settle } from "./dom";
import { status } from "./fixtures";

const poll = (extra: Partial<Poll> = {}): Poll => ({
  id: "p1",
  expires_at: "2026-12-05T10:00:00.000Z",
  expired: false,
  multiple: false,
  votes_count: 4,
  voters_count: 4,
  options: [{ title: "tea", votes_count: 3 }, { title: "coffee", votes_count: 1 }],
  voted: false,
  own_votes: [],
  ...extra,
});

describe("poll rules", () => {
  it("needs two to four different, non-empty choices of at most 50 characters", () => {
    expect(pollProblem({ options: ["a", ""], expiresIn: 300, multiple: false })).toBe("poll_problem_choices");
    expect(pollProblem({ options: ["a", "A "], expiresIn: 300, multiple: false })).toBe("poll_problem_duplicate");
    expect(pollProblem({ options: ["a", "x".repeat(51)], expiresIn: 300, multiple: false })).toBe("poll_problem_long");
    expect(pollProblem({ options: [" a", "b"], expiresIn: 300, multiple: true })).toBeNull();
    expect(pollBody({ options: [" a", "b "], expiresIn: 300, multiple: true })).toEqual({ options: ["a", "b"], expires_in: 300, multiple: true });
  });

  it("shares are of votes, or of voters when several answers are allowed; the leader is marked", () => {
    expect(share(poll(), 3)).toBe(75);
    expect(share(poll({ multiple: true, votes_count: 6, voters_count: 4 }), 3)).toBe(75);
    expect(share(poll({ votes_count: 0 }), 0)).toBe(0);
    expect(share(poll(), null)).toBeNull();
    expect([...leaders(poll())]).toEqual([0]);
    expect([...leaders(poll({ options: [{ title: "a", votes_count: 0 }, { title: "b", votes_count: 0 }] }))]).toEqual([]);
  });

  it("shows results once voted or closed, or to those who cannot vote", () => {
    expect(showsResults(poll(), true)).toBe(false);
    expect(showsResults(poll({ voted: true }), true)).toBe(true);
    expect(showsResults(poll({ expired: true }), true)).toBe(true);
    expect(showsResults(poll(), false)).toBe(true);
  });

  it("an edited poll keeps its choices and gets the offered length nearest above the time left", () => {
    const now = Date.parse("2026-12-05T09:00:00.000Z"); // 1 h left
    expect(draftOf(poll({ multiple: true }), now)).toEqual({ options: ["tea", "coffee"], expiresIn: 3600, multiple: true });
  });
});

const double = useApiDouble();
const button = (name: string) => buttonIn(double.root, name);
function type(selector: string, value: string) {
  const input = double.root.querySelector<HTMLInputElement | HTMLTextAreaElement>(selector)!;
  act(() => {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

describe("voting", () => {
  it("a member votes with radio buttons, then sees the results the server answered", async () => {
    double.answers["POST /api/v1/polls/p1/votes"] = poll({ voted: true, own_votes: [1], votes_count: 5, voters_count: 5, options: [{ title: "tea", votes_count: 3 }, { title: "coffee", votes_count: 2 }] });
    const changed: Status[] = [];
    act(() => render(<StatusCard status={status("7", { poll: poll() })} onChange={(s) => changed.push(s)} />, double.root));
    const radios = [...double.root.querySelectorAll<HTMLInputElement>(".poll input[type=radio]")];
    expect(radios.map((r) => r.parentElement!.textContent)).toEqual(["tea", "coffee"]);
    expect(button("Vote").disabled).toBe(true);
    act(() => radios[1].click());
    await act(async () => button("Vote").click());
    await settle();
    expect(double.calls).toEqual([{ method: "POST", path: "/api/v1/polls/p1/votes", body: { choices: ["1"] } }]);
    expect(changed[0].poll!.own_votes).toEqual([1]);
    act(() => render(<StatusCard status={changed[0]} onChange={() => undefined} />, double.root));
    const rows = [...double.root.querySelectorAll(".poll-results li")].map((li) => li.textContent);
    expect(rows).toEqual(["60% tea", "40% coffee (your choice)"]);
    expect(double.root.querySelector(".poll-summary")!.textContent).toMatch(/^5 votes · /);
  });

  it("several double.answers with checkboxes; a visitor and the author see results only; option titles are text", () => {
    act(() => render(<StatusCard status={status("7", { poll: poll({ multiple: true }) })} onChange={() => undefined} />, double.root));
    expect(double.root.querySelectorAll(".poll input[type=checkbox]")).toHaveLength(2);
    act(() => render(<StatusCard status={status("8", { poll: poll({ options: [{ title: "<b>x</b>", votes_count: 0 }, { title: "y", votes_count: 0 }], votes_count: 0 }) })} />, double.root));
    expect(double.root.querySelector(".poll form, .poll input")).toBeNull();
    expect(double.root.querySelector(".poll-title")!.textContent).toBe("<b>x</b>");
    expect(double.root.querySelector(".poll-results b")).toBeNull();
    act(() => render(<StatusCard status={status("9", { poll: poll() })} onChange={() => undefined} onDelete={() => undefined} />, double.root));
    expect(double.root.querySelector(".poll-results")).not.toBeNull();
  });
});

describe("composing a poll", () => {
  it("posts the choices, the length and 'several double.answers'; refuses an incomplete poll", async () => {
    double.answers["POST /api/v1/statuses"] = status("70");
    const posted: Status[] = [];
    act(() => render(<Compose onPosted={(s) => posted.push(s)} />, double.root));
    act(() => button("Poll").click());
    expect(button("Poll").getAttribute("aria-pressed")).toBe("true");
    expect(double.root.querySelector<HTMLInputElement>('input[type="file"]')!.disabled).toBe(true);
    type("#compose-text", "Tea or coffee?");
    type("#compose-poll-choice-0", "tea");
    await act(async () => void double.root.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true })));
    expect(double.root.querySelector("[role=alert]")!.textContent).toBe("A poll needs at least two choices, none of them empty.");
    type("#compose-poll-choice-1", "coffee");
    act(() => button("Add a choice").click());
    type("#compose-poll-choice-2", "water");
    act(() => button("Remove choice 2").click());
    const duration = double.root.querySelector<HTMLSelectElement>("#compose-poll-duration")!;
    duration.value = "300";
    act(() => void duration.dispatchEvent(new Event("change", { bubbles: true })));
    act(() => double.root.querySelector<HTMLInputElement>(".poll-editor input[type=checkbox]")!.click());
    await act(async () => void double.root.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true })));
    await settle();
    expect(double.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["POST /api/v1/statuses"]);
    expect(double.calls[0].body).toMatchObject({ status: "Tea or coffee?", poll: { options: ["tea", "water"], expires_in: 300, multiple: true } });
    expect(posted).toHaveLength(1);
    expect(double.root.querySelector(".poll-editor")).toBeNull();
  });

  it("an edit sends the post's poll back (an edit without one would remove it)", async () => {
    double.answers["GET /api/v1/statuses/7/source"] = { id: "7", text: "Tea?", spoiler_text: "" };
    double.answers["PUT /api/v1/statuses/7"] = status("7");
    act(() => render(<Compose editing={status("7", { poll: poll({ expires_at: new Date(Date.now() + 600_000).toISOString() }) })} />, double.root));
    await settle();
    await act(async () => button("Save").click());
    await settle();
    expect(double.calls[1]).toMatchObject({ method: "PUT", body: { status: "Tea?", poll: { options: ["tea", "coffee"], expires_in: 1800, multiple: false } } });
  });
});
