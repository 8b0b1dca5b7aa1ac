import { describe, expect, it } from "vitest";
import type { Status } from "../src/api/types";
import { appendPage, emptyTimeline, receive, removeStatus, replaceStatus, showPending } from "../src/timeline/state";

function status(id: string, extra: Partial<Status> = {}): Status {
  return { id, content: `<p>${id}</p>`, reblog: null, favourited: false, ...extra } as Status;
}
const ids = (list: Status[]) => list.map((item) => item.id);

describe("timeline state", () => {
  it("appends pages, drops duplicates and keeps the next cursor", () => {
    let state = appendPage(emptyTimeline, [status("9"), status("8"), status("7")], "/next?max_id=7");
    state = appendPage(state, [status("7"), status("6")], "/next?max_id=6");
    expect(ids(state.items)).toEqual(["9", "8", "7", "6"]);
    expect(state.next).toBe("/next?max_id=6");
    expect(state.ended).toBe(false);
  });

  it("ends when there is no next link or the page is empty", () => {
    expect(appendPage(emptyTimeline, [status("1")], null).ended).toBe(true);
    expect(appendPage(emptyTimeline, [], "/x").ended).toBe(true);
  });

  it("puts live posts on top when the reader is at the top", () => {
    const state = receive(appendPage(emptyTimeline, [status("5")], "/n"), status("6"), true);
    expect(ids(state.items)).toEqual(["6", "5"]);
    expect(state.pending).toEqual([]);
  });

  it("holds live posts as pending when scrolled, then merges them without duplicates", () => {
    let state = appendPage(emptyTimeline, [status("5"), status("4")], "/n");
    state = receive(state, status("6"), false);
    state = receive(state, status("7"), false);
    state = receive(state, status("7"), false);
    expect(ids(state.pending)).toEqual(["7", "6"]);
    expect(ids(state.items)).toEqual(["5", "4"]);
    // once something is pending, new arrivals queue behind it even at the top (order stays right)
    state = receive(state, status("8"), true);
    state = showPending(state);
    expect(ids(state.items)).toEqual(["8", "7", "6", "5", "4"]);
    expect(state.pending).toEqual([]);
  });

  it("updates a known post in place instead of repeating it", () => {
    let state = appendPage(emptyTimeline, [status("5")], "/n");
    state = receive(state, status("5", { favourited: true }), true);
    expect(ids(state.items)).toEqual(["5"]);
    expect(state.items[0].favourited).toBe(true);
  });

  it("replaces the post inside a boost and removes deleted posts with their boosts", () => {
    const boost = status("20", { reblog: status("5") });
    let state = appendPage(emptyTimeline, [boost, status("5"), status("3")], "/n");
    state = replaceStatus(state, status("5", { favourited: true }));
    expect(state.items[0].reblog?.favourited).toBe(true);
    expect(state.items[1].favourited).toBe(true);
    state = removeStatus(state, "5");
    expect(ids(state.items)).toEqual(["3"]);
  });
});
