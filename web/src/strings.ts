// Every user-facing string of the web client, in one place (English first). A translation is
// another object with the same keys; `t` fills {placeholders} from its second argument.

export const en = {
  app_name: "Rookery",
  nav_main: "Main navigation",
  nav_home: "Home",
  nav_local: "Local",
  nav_public: "Federated",
  nav_notifications: "Notifications",
  nav_search: "Search",
  nav_chats: "Chats",
  nav_settings: "Settings",
  nav_bookmarks: "Bookmarks",
  nav_favourites: "Favourites",
  nav_profile: "Your profile",
  skip_to_content: "Skip to content",

  welcome_title: "Welcome to Rookery",
  welcome_body: "Posts, photos and chats with the people you follow, live.",
  sign_in: "Sign in",
  sign_up: "Create an account",
  sign_out: "Sign out",
  signing_in: "Signing you in…",
  sign_in_failed: "Signing in did not work: {reason}",
  sign_in_state_mismatch: "This sign-in link is stale or was not started here. Please sign in again.",
  signed_out_notice: "You are signed out.",
  browse_public: "Browse public posts",
  signup_title: "Create your account",
  signup_username: "Username",
  signup_username_hint: "Letters, numbers and underscores; people will find you as @{example}.",
  signup_email: "E-mail address",
  signup_password: "Password",
  signup_password_hint: "At least 8 characters.",
  signup_agreement: "I agree to this server's rules and terms.",
  signup_submit: "Sign up",
  signup_sending: "Creating your account…",
  signup_have_account: "Already have an account?",

  title_home: "Home",
  title_local: "Local timeline",
  title_public: "Federated timeline",
  title_notifications: "Notifications",
  title_tag: "#{tag}",
  title_search: "Search",
  title_chats: "Chats",
  title_settings: "Settings",
  title_bookmarks: "Bookmarks",
  title_favourites: "Favourites",
  title_status: "Post",
  title_not_found: "Page not found",
  not_found_body: "There is nothing at this address.",

  loading: "Loading…",
  load_more: "Load more",
  end_of_timeline: "You have reached the end.",
  empty_timeline: "Nothing here yet.",
  new_posts_one: "1 new post",
  new_posts_other: "{n} new posts",
  retry: "Try again",

  stream_lost: "Live updates lost; reconnecting in {seconds} s…",

  error_network: "Rookery could not be reached. Check your connection and try again.",
  error_unauthorized: "Your session has ended. Please sign in again.",
  error_forbidden: "You are not allowed to do that.",
  error_not_found: "That could not be found; it may have been deleted.",
  error_invalid: "That was not accepted: {detail}",
  error_rate_limited: "Too many requests. Try again in {seconds} s.",
  error_rate_limited_soon: "Too many requests. Try again in a moment.",
  error_server: "Rookery had a problem ({status}). Try again in a moment.",
  error_other: "Something went wrong ({status}): {detail}",

  content_warning_show: "Show more",
  content_warning_hide: "Show less",
  sensitive_media: "Sensitive media",
  boosted_by: "{name} boosted",
  reply: "Reply",
  boost: "Boost",
  unboost: "Undo boost",
  favourite: "Favourite",
  unfavourite: "Remove favourite",
  bookmark: "Bookmark",
  unbookmark: "Remove bookmark",
  replies_count: "{n} replies",
  boosts_count: "{n} boosts",
  favourites_count: "{n} favourites",
  edited: "edited",
  delete_post: "Delete",
  delete_post_confirm: "Delete this post? This cannot be undone.",
  tag_follow: "Follow #{tag}",
  tag_unfollow: "Unfollow #{tag}",
  visibility_public: "Public",
  visibility_unlisted: "Unlisted",
  visibility_private: "Followers only",
  visibility_direct: "Mentioned people only",

  compose_label: "What is on your mind?",
  compose_reply_label: "Your reply",
  compose_cw_toggle: "Content warning",
  compose_cw_label: "Warning shown before the post",
  compose_visibility: "Who can see this",
  compose_chars_left: "{n} characters left",
  compose_submit: "Post",
  compose_reply_submit: "Reply",
  compose_sending: "Posting…",
  compose_cancel: "Cancel",
  compose_add_media: "Add images or a video",
  compose_alt_label: "Describe media {n} for people who cannot see it",
  compose_upload_progress: "Uploading media {n}",
  compose_remove_media: "Remove media {n}",
  compose_media_too_many: "A post can have up to four images.",
  compose_media_video_alone: "A video cannot be posted together with other media.",
  compose_media_unsupported: "Only images (JPEG, PNG, WebP, GIF) and videos (MP4, WebM) can be attached.",
  compose_replying_to: "Replying to @{acct}",

  filter_label: "Show notifications of type",
  filter_all: "All",
  filter_mentions: "Mentions",
  filter_follows: "Follows",
  filter_boosts: "Boosts",
  filter_favourites: "Favourites",
  notification_mention: "{name} mentioned you",
  notification_status: "{name} posted",
  notification_reblog: "{name} boosted your post",
  notification_follow: "{name} followed you",
  notification_follow_request: "{name} asked to follow you",
  notification_favourite: "{name} favourited your post",
  notification_poll: "A poll you took part in has ended",
  notification_update: "{name} edited a post",
  notification_other: "{name}: {type}",

  profile_posts: "{n} posts",
  profile_following: "{n} following",
  profile_followers: "{n} followers",
  profile_fields: "Profile details",
  profile_follow: "Follow",
  profile_unfollow: "Unfollow",
  profile_withdraw_request: "Withdraw follow request",
  profile_mute: "Mute",
  profile_unmute: "Unmute",
  profile_block: "Block",
  profile_unblock: "Unblock",
  profile_follows_you: "Follows you",

  thread_label: "Conversation",
  search_label: "Search accounts, hashtags and posts",
  search_submit: "Search",
  search_accounts: "Accounts",
  search_hashtags: "Hashtags",
  search_statuses: "Posts",
  search_nothing: "No results.",

  chats_empty: "No chats yet. Start one with someone you know.",
  chat_new_label: "Start a chat with (username)",
  chat_new_submit: "Start chat",
  chat_unread: "{n} unread",
  chat_with: "Chat with {names}",
  chat_untitled_group: "Group chat",
  chat_message_label: "Message",
  chat_send: "Send",
  chat_older: "Older messages",
  chat_messages: "Messages",

  settings_signed_in_as: "Signed in as @{acct}",
  settings_theme: "Colours follow your system's light or dark setting.",
} as const;

export type StringKey = keyof typeof en;
export type Catalogue = Record<StringKey, string>;

let catalogue: Catalogue = en;

/** Switch the active catalogue (a translation with the same keys). */
export function setCatalogue(next: Catalogue): void {
  catalogue = next;
}

export function t(key: StringKey, vars: Record<string, string | number> = {}): string {
  return catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** "1 new post" / "3 new posts": keys named `<base>_one` and `<base>_other`. */
export function plural(base: "new_posts", n: number): string {
  return n === 1 ? t(`${base}_one`, { n }) : t(`${base}_other`, { n });
}
