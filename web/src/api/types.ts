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
  source?: { note: string };
}

export interface MediaAttachment {
  id: string;
  type: "image" | "video" | "gifv" | "audio" | "unknown";
  url: string;
  preview_url: string | null;
  description: string | null;
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
