import { describe, expect, it } from "vitest";
import type { Relationship } from "../src/api/types";
import { blockAction, followAction, muteAction } from "../src/profile/relationship";

const rel = (extra: Partial<Relationship> = {}): Relationship => ({
  id: "2", following: false, requested: false, followed_by: false, blocking: false, muting: false, ...extra,
});

describe("relationship buttons", () => {
  it("follows, unfollows, and withdraws a pending request", () => {
    expect(followAction(rel())).toEqual({ verb: "follow", label: "profile_follow", pressed: false });
    expect(followAction(rel({ following: true })).verb).toBe("unfollow");
    expect(followAction(rel({ requested: true }))).toEqual({ verb: "unfollow", label: "profile_withdraw_request", pressed: true });
  });

  it("mutes and blocks as toggles", () => {
    expect(muteAction(rel()).verb).toBe("mute");
    expect(muteAction(rel({ muting: true })).verb).toBe("unmute");
    expect(blockAction(rel()).verb).toBe("block");
    expect(blockAction(rel({ blocking: true }))).toEqual({ verb: "unblock", label: "profile_unblock", pressed: true });
  });
});
