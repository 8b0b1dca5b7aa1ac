// What the relationship buttons on a profile say and do.
import type { Relationship } from "../api/types";
import type { StringKey } from "../strings";

export interface GraphAction {
  /** POST /api/v1/accounts/:id/<verb> */
  verb: "follow" | "unfollow" | "block" | "unblock" | "mute" | "unmute";
  label: StringKey;
  pressed: boolean;
}

/** Follow; Unfollow once following; Withdraw while a request waits on a locked account. */
export function followAction(rel: Relationship): GraphAction {
  if (rel.following) return { verb: "unfollow", label: "profile_unfollow", pressed: true };
  if (rel.requested) return { verb: "unfollow", label: "profile_withdraw_request", pressed: true };
  return { verb: "follow", label: "profile_follow", pressed: false };
}

export function muteAction(rel: Relationship): GraphAction {
  return rel.muting
    ? { verb: "unmute", label: "profile_unmute", pressed: true }
    : { verb: "mute", label: "profile_mute", pressed: false };
}

export function blockAction(rel: Relationship): GraphAction {
  return rel.blocking
    ? { verb: "unblock", label: "profile_unblock", pressed: true }
    : { verb: "block", label: "profile_block", pressed: false };
}
