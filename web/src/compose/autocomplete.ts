// Mention and hashtag completion in compose: the word being typed at the caret, and the text
// once a suggestion is chosen.
import type { ApiClient } from "../api/client";
import type { SearchResults } from "../api/types";

export interface Token {
  kind: "@" | "#";
  /** What follows the @ or # so far. */
  query: string;
  /** Where the @ or # is, and where the word ends (the caret). */
  start: number;
  end: number;
}

export interface Suggestion {
  /** What goes in after the @ or #: an acct or a tag name. */
  value: string;
  label: string;
  detail?: string;
  avatar?: string;
}

// after the start, a space or an opening bracket; an acct may name a domain (ana@example.org)
const AT_CARET = /(?:^|[\s(])([@#])([\p{L}\p{N}_]+(?:@[\p{L}\p{N}.-]*)?)$/u;

/** The @mention or #hashtag the caret is at the end of, or null. */
export function tokenAt(text: string, caret: number): Token | null {
  const before = text.slice(0, caret);
  const found = AT_CARET.exec(before);
  if (!found) return null;
  const kind = found[1] as "@" | "#";
  const query = found[2];
  if (kind === "#" && query.includes("@")) return null;
  return { kind, query, start: caret - query.length - 1, end: caret };
}

/** The text with the token replaced by the chosen suggestion and a space, and the caret after it. */
export function complete(text: string, token: Token, value: string): { text: string; caret: number } {
  const rest = text.slice(token.end).replace(/^[\p{L}\p{N}_@.-]*/u, "");
  const inserted = `${token.kind}${value}${rest.startsWith(" ") ? "" : " "}`;
  return { text: text.slice(0, token.start) + inserted + rest, caret: token.start + inserted.length };
}

/** Up to five accounts or hashtags for a token (GET /api/v2/search?type=accounts|hashtags). */
export async function suggest(api: ApiClient, token: Token, signal?: AbortSignal): Promise<Suggestion[]> {
  const type = token.kind === "@" ? "accounts" : "hashtags";
  const found = await api.request<SearchResults>("GET", "/api/v2/search", {
    query: { q: token.query, type, limit: 5, resolve: false },
    signal,
  });
  if (token.kind === "@") {
    return found.items.accounts.map((account) => ({
      value: account.acct,
      label: account.display_name.trim() || account.username,
      detail: `@${account.acct}`,
      avatar: account.avatar,
    }));
  }
  return found.items.hashtags.map((tag) => ({ value: tag.name, label: `#${tag.name}` }));
}
