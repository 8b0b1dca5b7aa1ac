// Mastodon entities for component tests.
import type { Account, Status } from "../src/api/types";

export function account(extra: Partial<Account> = {}): Account {
  return {
    id: "1",
    username: "ana",
    acct: "ana",
    display_name: "Ana",
    note: "",
    url: "http://r.test/@ana",
    avatar: "http://r.test/avatar.png",
    header: "",
    locked: false,
    fields: [],
    followers_count: 0,
    following_count: 0,
    statuses_count: 0,
    ...extra,
  };
}

export function status(id: string, extra: Partial<Status> = {}): Status {
  return {
    id,
    created_at: "2026-12-04T10:00:00.000Z",
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: "",
    visibility: "public",
    language: "en",
    url: `http://r.test/@ana/${id}`,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    favourited: false,
    reblogged: false,
    bookmarked: false,
    content: `<p>post ${id}</p>`,
    reblog: null,
    account: account(),
    media_attachments: [],
    mentions: [],
    tags: [],
    ...extra,
  };
}
