// The Mastodon entities the client reads (only the fields it uses).

export type Visibility = "public" | "unlisted" | "private" | "direct";

export interface CustomField {
  name: string;
  value: string;
}

export interface Account {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  note: string;
  url: string;
  avatar: string;
  header: string;
  locked: boolean;
  bot?: boolean;
  fields: CustomField[];
  followers_count: number;
  following_count: number;
  statuses_count: number;
  /** The member's role (CredentialAccount): name "Moderator" / "Admin" for staff, "" otherwise. */
  role?: { name: string };
  /** CredentialAccount's source: note and field values as typed. */
  source?: { note: string; fields?: CustomField[]; language?: string | null; privacy?: Visibility };
}

export interface MediaAttachment {
  id: string;
  type: "image" | "video" | "gifv" | "audio" | "unknown";
  url: string;
  preview_url: string | null;
  description: string | null;
  /** Mastodon's meta: the focus point (x, y each -1..1) the preview is cropped around. */
  meta?: { focus?: { x: number; y: number } } | null;
}

export interface Mention {
  id: string;
  username: string;
  acct: string;
  url: string;
}

export interface Tag {
  name: string;
  url: string;
  /** Daily uses, newest first (trends and search). */
  history?: { day: string; uses: string; accounts: string }[];
  following?: boolean;
}

export interface Status {
  id: string;
  created_at: string;
  edited_at?: string | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  sensitive: boolean;
  spoiler_text: string;
  visibility: Visibility;
  language: string | null;
  url: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  favourited?: boolean;
  reblogged?: boolean;
  bookmarked?: boolean;
  content: string;
  reblog: Status | null;
  account: Account;
  media_attachments: MediaAttachment[];
  mentions: Mention[];
  tags: Tag[];
  poll?: Poll | null;
}

export interface PollOption {
  title: string;
  /** null while the results are hidden (hide_totals before the end). */
  votes_count: number | null;
}

export interface Poll {
  id: string;
  expires_at: string | null;
  expired: boolean;
  multiple: boolean;
  votes_count: number;
  voters_count: number | null;
  options: PollOption[];
  voted?: boolean;
  own_votes?: number[];
}

/** One version of an edited post (GET /api/v1/statuses/:id/history), oldest first. */
export interface StatusEdit {
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  created_at: string;
  account: Account;
  /** The version's media, with the alt text they had then. */
  media_attachments: MediaAttachment[];
  poll?: { options: { title: string }[] } | null;
}

/** GET /api/v1/statuses/:id/source: the text as typed, for editing. */
export interface StatusSource {
  id: string;
  text: string;
  spoiler_text: string;
}

export interface Notification {
  id: string;
  type: string;
  created_at: string;
  account: Account;
  status?: Status | null;
}

export interface Context {
  ancestors: Status[];
  descendants: Status[];
}

export interface SearchResults {
  accounts: Account[];
  statuses: Status[];
  hashtags: Tag[];
}

export interface Application {
  id?: string;
  name: string;
  client_id: string;
  client_secret: string;
  redirect_uri: string;
}

export interface TokenGrant {
  access_token: string;
  token_type: string;
  scope: string;
  created_at?: number;
}

export interface ChatMessage {
  id: string;
  chat_id: string;
  account: Account;
  /** Plain text as sent: always rendered as text. */
  text: string;
  created_at: string;
}

export interface Chat {
  id: string;
  type: "direct" | "group";
  title: string | null;
  owner_id: string;
  members: { account: Account; role: "owner" | "admin" | "member" }[];
  last_message: ChatMessage | null;
  unread_count: number;
  last_read_id: string | null;
  updated_at: string;
}

export interface Relationship {
  id: string;
  following: boolean;
  requested: boolean;
  followed_by: boolean;
  blocking: boolean;
  muting: boolean;
}

export interface TimelineList {
  id: string;
  title: string;
  replies_policy?: "followed" | "list" | "none";
  exclusive?: boolean;
}

export interface Conversation {
  id: string;
  unread: boolean;
  accounts: Account[];
  last_status: Status | null;
}

/** A trending link (Mastodon's PreviewCard, with its use history). */
export interface TrendLink {
  url: string;
  title: string;
  description: string;
  provider_name?: string;
  history?: { day: string; uses: string; accounts: string }[];
}
