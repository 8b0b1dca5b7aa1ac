"""Ports: the Protocols use cases speak to. Every port has an embedded adapter (adapters/sqlite,
adapters/memory, adapters/local) and a production one (postgres, cassandra, redis, kafka, search,
cloudinary), and one contract test suite that runs against each (tests/contract).

Sections are owned by role; keep each Protocol small and in the domain's words.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.analytics import Tally
from rookery.workloads.domain.chats import Chat, ChatMember, ChatMessage
from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.domain.events import Event
from rookery.workloads.domain.graph import Follow, Mute, Relationship, ViewerRelations
from rookery.workloads.domain.lists import TimelineList
from rookery.workloads.domain.media import MediaAttachment
from rookery.workloads.domain.moderation import AccountRestrictions, HiddenStatus, Report
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.push import PushSubscription
from rookery.workloads.domain.statuses import Status, StatusEdit
from rookery.workloads.domain.timelines import TimelineEntry


class StoreUnavailable(Exception):
    """A backing server is down or timed out; the API answers 503 and the process keeps running."""


# --------------------------------------------------------------------------------------------
# events: bus, outbox
# --------------------------------------------------------------------------------------------

EventHandler = Callable[[Event], Awaitable[None]]


class EventBus(Protocol):
    """Named streams, ordering per key, at-least-once delivery to each consumer group.

    Handlers must be idempotent by ``event.id``; a handler that keeps failing has the event parked
    on the dead-letter stream after ``max_attempts``.
    """

    async def publish(self, stream: str, event: Event) -> None: ...

    def subscribe(self, stream: str, group: str, handler: EventHandler) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Outbox(Protocol):
    """Events written in the same transaction as the state they describe, relayed afterwards."""

    async def pending(self, limit: int) -> list[tuple[int, str, Event]]:
        """Unpublished rows, oldest first: (row id, stream, event)."""
        ...

    async def mark_published(self, row_ids: list[int]) -> None: ...

    async def wait(self, timeout_s: float) -> None:
        """Return as soon as new rows may be pending (a commit just added some), or after
        ``timeout_s``: the relay is woken by commits, polling is only the fallback."""
        ...


# --------------------------------------------------------------------------------------------
# edge: cache, rate limits, locks, idempotency keys, realtime fan-in
# --------------------------------------------------------------------------------------------


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None: ...

    async def set_many(self, items: dict[str, bytes], ttl_s: float | None = None) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, amount: int = 1) -> int: ...


@dataclasses.dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_s: float  # until the bucket is full again
    retry_after_s: float  # 0 when allowed


class RateLimiter(Protocol):
    async def hit(self, key: str, *, capacity: int, refill_per_s: float, cost: int = 1) -> RateDecision:
        """Token bucket: take ``cost`` tokens from bucket ``key`` if it has them."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Lock:
    name: str
    token: str  # owner token, checked on release (compare-and-delete)
    fencing: int  # strictly increasing per name: stale holders are rejected downstream


class LockManager(Protocol):
    async def acquire(self, name: str, ttl_ms: int, wait_ms: int = 0) -> Lock | None: ...

    async def release(self, lock: Lock) -> bool: ...


@dataclasses.dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fingerprint: str  # hash of method + path + body of the first request


class IdempotencyStore(Protocol):
    async def reserve(self, key: str, ttl_s: float) -> bool:
        """True if this caller is the first with ``key`` (and must run the request)."""
        ...

    async def get(self, key: str) -> StoredResponse | None: ...

    async def put(self, key: str, response: StoredResponse, ttl_s: float) -> None: ...

    async def release(self, key: str) -> None:
        """Forget a reservation whose request failed, so a retry may run it."""
        ...


class Realtime(Protocol):
    """Cross-process pub/sub for streaming sockets (Redis pub/sub in production)."""

    async def publish(self, channel: str, message: bytes) -> None: ...

    def subscribe(self, channels: list[str]) -> AsyncIterator[tuple[str, bytes]]: ...

    def listen(self) -> RealtimeListener:
        """One subscriber connection whose channels change while it runs (the streaming hub of a
        process holds one, whatever the number of sockets)."""
        ...


class RealtimeListener(Protocol):
    async def add(self, channels: Sequence[str]) -> None:
        """Subscribe; returns once the server confirmed, so later publishes reach this listener."""
        ...

    async def remove(self, channels: Sequence[str]) -> None: ...

    def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        """(channel, message) as they arrive; iterate from one task only."""
        ...

    async def close(self) -> None: ...


# --------------------------------------------------------------------------------------------
# inference
# --------------------------------------------------------------------------------------------


class ModelUnavailable(Exception):
    """The model server timed out, failed or its circuit is open: callers fall back."""


class ModelClient(Protocol):
    async def predict(self, model: str, instances: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


# --------------------------------------------------------------------------------------------
# role stores (accounts, oauth, statuses, graph, timelines, notifications ...) follow below,
# one section per role
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# accounts: accounts and profiles (owner: accounts role)
# --------------------------------------------------------------------------------------------


class AccountRepository(Protocol):
    """Accounts by id, username (case-insensitive) and e-mail.

    ``create`` raises ``domain.accounts.AccountTaken`` when the username or e-mail is in use.
    ``adjust_counts`` is called by other roles (graph, posts) with deltas; it is its own write, so
    never call it while holding an open embedded transaction.
    """

    async def get(self, account_id: int) -> Account | None: ...

    async def get_many(self, account_ids: Sequence[int]) -> dict[int, Account]: ...

    async def by_username(self, username: str) -> Account | None: ...

    async def by_email(self, email: str) -> Account | None: ...

    async def search(self, query: str, limit: int, offset: int = 0) -> list[Account]: ...

    async def create(self, account: Account) -> None: ...

    async def update(self, account: Account) -> None: ...

    async def adjust_counts(
        self,
        account_id: int,
        followers: int = 0,
        following: int = 0,
        statuses: int = 0,
        last_status_at: datetime.date | None = None,
    ) -> None: ...


# --------------------------------------------------------------------------------------------
# oauth: apps, authorization codes, token metadata, signing keys (owner: accounts role)
# --------------------------------------------------------------------------------------------


class OAuthStore(Protocol):
    async def create_app(self, app: OAuthApp) -> None: ...

    async def app(self, app_id: int) -> OAuthApp | None: ...

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None: ...

    async def save_code(self, code: AuthorizationCode) -> None: ...

    async def take_code(self, digest: str) -> AuthorizationCode | None:
        """Return and delete the code (single use)."""
        ...

    async def save_token(self, token: TokenRecord) -> None: ...

    async def token(self, jti: str) -> TokenRecord | None: ...

    async def token_by_refresh(self, refresh_digest: str) -> TokenRecord | None: ...

    async def revoke(self, jti: str, at: datetime.datetime) -> bool:
        """Mark revoked; False when unknown or already revoked."""
        ...

    async def revoked_since(self, not_expired_at: datetime.datetime) -> list[str]:
        """jtis of revoked tokens that have not expired yet (loaded into the in-process deny list)."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Marker:
    timeline: str  # "home" | "notifications"
    last_read_id: int
    version: int
    updated_at: datetime.datetime


class MarkerStore(Protocol):
    """A user's last-read position per timeline (Mastodon markers)."""

    async def get(self, account_id: int, timelines: list[str]) -> dict[str, Marker]: ...

    async def save(
        self, account_id: int, timeline: str, last_read_id: int, at: datetime.datetime
    ) -> Marker: ...


class SigningKeys(Protocol):
    """The embedded issuer's RS256 keys: the current private key and the public JWKS document."""

    @property
    def kid(self) -> str: ...

    def private_key_pem(self) -> bytes: ...

    def jwks(self) -> dict[str, Any]: ...


class JwksSource(Protocol):
    """Where the token validator gets the issuer's JWKS document (local keys or an HTTP issuer)."""

    async def fetch(self) -> dict[str, Any]: ...


# --------------------------------------------------------------------------------------------
# posts: statuses, edits, favourites, bookmarks, pins (owner: posts role)
#
# Writes take ``events``: (stream, Event) pairs the adapter stores in the outbox in the SAME
# transaction as the state change, so nothing is published that did not commit.
# --------------------------------------------------------------------------------------------

OutboxEvents = Sequence[tuple[str, Event]]


@dataclasses.dataclass(frozen=True, slots=True)
class StatusQuery:
    """Filters of the account, hashtag and public timelines (all optional)."""

    account_id: int | None = None
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    only_media: bool = False
    tagged: str | None = None
    any_tags: tuple[str, ...] = ()
    all_tags: tuple[str, ...] = ()
    none_tags: tuple[str, ...] = ()
    visibilities: tuple[str, ...] = ("public",)
    include_reblogs: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class ViewerFlags:
    """Which of a batch of statuses the viewer has favourited, reblogged, bookmarked, pinned."""

    favourited: frozenset[int] = frozenset()
    reblogged: frozenset[int] = frozenset()
    bookmarked: frozenset[int] = frozenset()
    pinned: frozenset[int] = frozenset()
    muted: frozenset[int] = frozenset()  # statuses in a conversation the viewer muted


class ConversationMuteStore(Protocol):
    """Muted conversations (threads, by their root status id) per account: no notifications from them."""

    async def mute(self, account_id: int, conversation_id: int) -> None: ...

    async def unmute(self, account_id: int, conversation_id: int) -> None: ...

    async def muted(self, account_id: int, conversation_ids: Sequence[int]) -> set[int]:
        """Which of the conversations the account muted."""
        ...


class StatusRepository(Protocol):
    async def create(self, status: Status, events: OutboxEvents = ()) -> None:
        """Store a status (and its first history version); bumps the parent's replies_count or the
        original's reblogs_count."""
        ...

    async def get(self, status_id: int) -> Status | None: ...

    async def get_many(self, status_ids: Sequence[int]) -> dict[int, Status]: ...

    async def update(self, status: Status, edit: StatusEdit, events: OutboxEvents = ()) -> None:
        """Replace the editable fields and append ``edit`` to the history."""
        ...

    async def delete(self, status_id: int, events: OutboxEvents = ()) -> list[int]:
        """Delete a status and the reblogs of it; returns every status id removed."""
        ...

    async def history(self, status_id: int) -> list[StatusEdit]: ...

    async def reblog_by(self, account_id: int, status_id: int) -> Status | None: ...

    async def reblogger_ids(self, status_id: int) -> list[int]: ...

    async def reblogs_of(self, status_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(reblog status id, reblogger account id), newest first."""
        ...

    async def replies_to(self, status_ids: Sequence[int]) -> list[Status]: ...

    async def query(self, query: StatusQuery, page: PageRequest) -> list[Status]:
        """Statuses matching ``query``, newest first (min_id pages: the ones right after min_id)."""
        ...

    async def by_authors(self, account_ids: Sequence[int], page: PageRequest) -> list[TimelineEntry]:
        """Recent non-direct statuses and reblogs of these authors (celebrity merge on read)."""
        ...


class InteractionStore(Protocol):
    """Favourites, bookmarks and pins; counters on the status change in the same transaction."""

    async def favourite(self, account_id: int, status_id: int, events: OutboxEvents = ()) -> bool: ...

    async def unfavourite(self, account_id: int, status_id: int) -> bool: ...

    async def bookmark(self, account_id: int, status_id: int) -> bool: ...

    async def unbookmark(self, account_id: int, status_id: int) -> bool: ...

    async def pin(self, account_id: int, status_id: int) -> bool: ...

    async def unpin(self, account_id: int, status_id: int) -> bool: ...

    async def pinned_ids(self, account_id: int) -> list[int]: ...

    async def favourited_by(self, status_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(favourite row id, account id), newest first."""
        ...

    async def favourites_of(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(favourite row id, status id), newest first."""
        ...

    async def bookmarks_of(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def viewer_flags(self, account_id: int, status_ids: Sequence[int]) -> ViewerFlags: ...


# --------------------------------------------------------------------------------------------
# graph: follows, follow requests, blocks, mutes (owner: graph role)
# --------------------------------------------------------------------------------------------


class GraphStore(Protocol):
    async def follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        """Create or update a follow (and drop a pending request); True when it is new."""
        ...

    async def unfollow(self, account_id: int, target_id: int, events: OutboxEvents = ()) -> bool: ...

    async def get_follow(self, account_id: int, target_id: int) -> Follow | None: ...

    async def request_follow(self, follow: Follow, events: OutboxEvents = ()) -> bool: ...

    async def take_request(self, account_id: int, target_id: int) -> Follow | None:
        """Remove and return a pending request of ``account_id`` to follow ``target_id``."""
        ...

    async def follow_requests(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(row id, requesting account id), newest first."""
        ...

    async def followers(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def following(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def follower_ids(self, target_id: int) -> list[int]: ...

    async def subscriber_ids(self, target_id: int) -> list[int]:
        """Followers who asked to be notified of target_id's new statuses (a follow with notify)."""
        ...

    async def following_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]: ...

    async def followers_among(self, target_id: int, account_ids: Sequence[int]) -> set[int]: ...

    async def block(
        self, account_id: int, target_id: int, events: OutboxEvents = ()
    ) -> list[tuple[int, int]]:
        """Block, removing follows and requests both ways; returns the (follower, followed) pairs
        of the follows removed. Idempotent."""
        ...

    async def unblock(self, account_id: int, target_id: int) -> bool: ...

    async def mute(self, mute: Mute) -> None: ...

    async def unmute(self, account_id: int, target_id: int) -> bool: ...

    async def blocks(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def mutes(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def relationships(self, account_id: int, target_ids: Sequence[int]) -> dict[int, Relationship]: ...

    async def viewer_relations(self, account_id: int, others: Sequence[int]) -> ViewerRelations: ...


# --------------------------------------------------------------------------------------------
# feed: stored home timelines (owner: feed role)
# --------------------------------------------------------------------------------------------


class TimelineStore(Protocol):
    async def push(self, owner_ids: Sequence[int], entry: TimelineEntry) -> None:
        """Add one entry to many home timelines, each kept to its newest ``home_timeline_max``."""
        ...

    async def push_many(self, owner_id: int, entries: Sequence[TimelineEntry]) -> None: ...

    async def range(self, owner_id: int, page: PageRequest) -> list[TimelineEntry]: ...

    async def remove(self, status_ids: Sequence[int]) -> None:
        """Remove these statuses (and reblogs of them) from every home timeline."""
        ...

    async def remove_author(self, owner_id: int, account_id: int) -> None: ...

    async def contains(self, owner_id: int, status_id: int) -> bool: ...

    async def celebrities(self) -> set[int]:
        """Authors whose posts are merged on read (above the fan-out threshold)."""
        ...

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None: ...


# --------------------------------------------------------------------------------------------
# notifications (owner: notifications role)
# --------------------------------------------------------------------------------------------


class NotificationStore(Protocol):
    async def add(self, notification: Notification) -> bool:
        """Store unless the same (recipient, type, from, status) exists; True when stored."""
        ...

    async def recent(
        self,
        account_id: int,
        page: PageRequest,
        types: frozenset[str] | None = None,
        from_account_id: int | None = None,
    ) -> list[Notification]: ...

    async def get(self, account_id: int, notification_id: int) -> Notification | None: ...

    async def dismiss(self, account_id: int, notification_id: int) -> bool: ...

    async def clear(self, account_id: int) -> None: ...

    async def remove_for_statuses(self, status_ids: Sequence[int]) -> None: ...


# --------------------------------------------------------------------------------------------
# media: attachment records and their bytes (owner: media role)
# --------------------------------------------------------------------------------------------


class MediaStore(Protocol):
    """The bytes of attachments, by (media id, variant): "original", "small", "poster", and the
    private "upload" (the raw upload awaiting processing, never served). Local disk in
    `rookery up`, Cloudinary (or S3-compatible) in production."""

    async def put(self, media_id: int, variant: str, data: bytes, content_type: str) -> str:
        """Store a variant; returns its public URL ("" for the private "upload" variant)."""
        ...

    async def get(self, media_id: int, variant: str) -> bytes | None: ...

    async def delete(self, media_id: int, variant: str | None = None) -> None:
        """Remove one variant, or every variant of the attachment when ``variant`` is None."""
        ...


class MediaRepository(Protocol):
    async def add(self, media: MediaAttachment, events: OutboxEvents = ()) -> None: ...

    async def get(self, media_id: int) -> MediaAttachment | None: ...

    async def get_many(self, media_ids: Sequence[int]) -> dict[int, MediaAttachment]: ...

    async def save(self, media: MediaAttachment) -> None:
        """Replace the mutable fields (state, urls, meta, description, focus)."""
        ...

    async def attach(self, account_id: int, media_ids: Sequence[int], status_id: int) -> bool:
        """Attach all or none: only the account's own, unattached, not failed attachments."""
        ...

    async def for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[MediaAttachment]]: ...

    async def detach(self, status_ids: Sequence[int]) -> int:
        """Give the media of deleted statuses back to their owners, unattached (Mastodon's
        "delete & redraft" posts them again); returns how many were detached."""
        ...

    async def unattached_before(self, before: datetime.datetime, limit: int) -> list[int]:
        """Ids of attachments no status uses, uploaded before ``before`` (oldest first)."""
        ...

    async def delete(self, media_id: int) -> None: ...


# --------------------------------------------------------------------------------------------
# messaging: chats, members, messages, read markers (owner: messaging role)
# --------------------------------------------------------------------------------------------


class MessageStore(Protocol):
    async def create_chat(
        self, chat: Chat, members: Sequence[ChatMember], events: OutboxEvents = ()
    ) -> bool:
        """False (and nothing stored) when the two people of a direct chat already have one."""
        ...

    async def get_chat(self, chat_id: int) -> Chat | None: ...

    async def direct_chat(self, account_id: int, other_id: int) -> Chat | None:
        """The direct chat of these two accounts, if any."""
        ...

    async def update_chat(self, chat: Chat) -> None: ...

    async def delete_chat(self, chat_id: int, events: OutboxEvents = ()) -> None: ...

    async def chats_of(self, account_id: int, page: PageRequest) -> list[Chat]:
        """The account's chats, most recent activity first; the page applies to ``activity_id``."""
        ...

    async def members(self, chat_id: int) -> list[ChatMember]: ...

    async def members_of(self, chat_ids: Sequence[int]) -> dict[int, list[ChatMember]]: ...

    async def member(self, chat_id: int, account_id: int) -> ChatMember | None: ...

    async def add_members(
        self, chat_id: int, members: Sequence[ChatMember], events: OutboxEvents = ()
    ) -> None: ...

    async def remove_member(
        self, chat_id: int, account_id: int, new_owner: int | None = None, events: OutboxEvents = ()
    ) -> None:
        """Remove a member; ``new_owner`` takes the owner role in the same transaction."""
        ...

    async def add_message(self, message: ChatMessage, events: OutboxEvents = ()) -> None:
        """Store the message and move the chat's last_message_id (and the author's read marker)."""
        ...

    async def messages(self, chat_id: int, page: PageRequest) -> list[ChatMessage]:
        """Newest first (min_id pages: the ones right after min_id, still newest first)."""
        ...

    async def last_messages(self, chat_ids: Sequence[int]) -> dict[int, ChatMessage]: ...

    async def mark_read(self, chat_id: int, account_id: int, last_read_id: int) -> int:
        """Move the read marker forward (never back); returns the marker now stored."""
        ...

    async def unread_counts(self, account_id: int, chat_ids: Sequence[int]) -> dict[int, int]: ...


# --------------------------------------------------------------------------------------------
# push: Web Push subscriptions and the delivery channels (owner: notifications role)
# --------------------------------------------------------------------------------------------


class PushSubscriptionStore(Protocol):
    async def put(self, subscription: PushSubscription) -> None:
        """Create or replace the subscription of ``subscription.token_id``."""
        ...

    async def get(self, token_id: str) -> PushSubscription | None: ...

    async def delete(self, token_id: str) -> bool: ...

    async def delete_by_id(self, subscription_id: int) -> None: ...

    async def for_account(self, account_id: int) -> list[PushSubscription]: ...


class PushSender(Protocol):
    """A delivery channel (Web Push, APNs, FCM). ``send`` raises ``domain.push.PushGone`` when the
    subscription is gone for good and ``domain.push.DeliveryFailed`` for a failure worth retrying."""

    async def send(self, subscription: PushSubscription, payload: dict[str, Any]) -> None: ...


class EmailSender(Protocol):
    async def send(self, to: str, subject: str, text: str) -> None: ...


# --------------------------------------------------------------------------------------------
# conversations: direct-message threads per account (owner: posts role, streaming engineer)
# --------------------------------------------------------------------------------------------


class ConversationStore(Protocol):
    """Mastodon's account conversations: one row per (owner, set of other participants), moved
    by every direct status among them."""

    async def record(
        self, owner_id: int, participants: Sequence[int], status_id: int, *, unread: bool
    ) -> Conversation:
        """Add ``status_id`` to the owner's conversation with ``participants`` (created on first
        use); the newest status becomes ``last_status_id``. Idempotent per (owner, status)."""
        ...

    async def remove_status(self, status_id: int) -> list[Conversation]:
        """Forget a deleted status; conversations left without statuses are deleted. Returns the
        conversations that still exist and changed."""
        ...

    async def of_owner(self, owner_id: int, page: PageRequest) -> list[Conversation]:
        """Newest ``last_status_id`` first; the page applies to ``last_status_id``."""
        ...

    async def get(self, owner_id: int, conversation_id: int) -> Conversation | None: ...

    async def mark_read(self, owner_id: int, conversation_id: int) -> Conversation | None: ...

    async def delete(self, owner_id: int, conversation_id: int) -> bool: ...


# --------------------------------------------------------------------------------------------
# search: accounts, statuses, hashtags (owner: search role). SQLite FTS5 embedded; OpenSearch or
# Elasticsearch in production. Documents come from the domain; queries take the viewer's context.
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class AccountDocument:
    id: int
    username: str
    display_name: str = ""
    note: str = ""
    followers_count: int = 0
    discoverable: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class StatusDocument:
    id: int
    account_id: int
    text: str  # plain text (content warning included) as typed
    visibility: str
    tags: tuple[str, ...] = ()
    mentions: tuple[int, ...] = ()
    created_at: datetime.datetime | None = None  # default: from the snowflake id


@dataclasses.dataclass(frozen=True, slots=True)
class StatusSearch:
    """Which statuses a viewer may find: public and unlisted ones, plus the viewer's own and those
    mentioning the viewer (any visibility); never by an excluded (blocked, muted) author."""

    text: str
    viewer_id: int | None = None
    exclude_account_ids: frozenset[int] = frozenset()
    account_id: int | None = None  # only this author's
    max_id: int | None = None
    min_id: int | None = None
    limit: int = 20
    offset: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class TagUse:
    day: datetime.date
    uses: int  # public/unlisted statuses with the tag that day
    accounts: int  # distinct authors among them


class SearchIndex(Protocol):
    async def setup(self) -> None:
        """Create indices/templates/tables if missing (idempotent)."""
        ...

    async def index_accounts(self, documents: Sequence[AccountDocument]) -> None: ...

    async def delete_account(self, account_id: int) -> None: ...

    async def index_statuses(self, documents: Sequence[StatusDocument]) -> None:
        """Upsert statuses (and count their hashtags); re-indexing the same id replaces it."""
        ...

    async def delete_statuses(self, status_ids: Sequence[int]) -> None: ...

    async def search_accounts(
        self, text: str, *, limit: int, offset: int = 0, among: Sequence[int] | None = None
    ) -> list[int]:
        """Account ids by username / display name (prefix) and note: an exact username first,
        then username prefixes, then by followers; ``among`` restricts to those ids."""
        ...

    async def search_statuses(self, query: StatusSearch) -> list[int]:
        """Status ids matching every word (prefix on the last), newest first."""
        ...

    async def search_hashtags(self, text: str, *, limit: int, offset: int = 0) -> list[str]:
        """Hashtag names starting with ``text``, most used first."""
        ...

    async def hashtag_history(self, name: str, days: int, today: datetime.date) -> list[TagUse]:
        """Daily uses of a hashtag, newest day first, ``days`` entries (zeros included)."""
        ...

    async def close(self) -> None: ...


# --------------------------------------------------------------------------------------------
# admin: reports, moderation state of accounts, hidden statuses (owner: admin role).
# SQLite embedded; PostgreSQL in production.
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ReportFilter:
    resolved: bool | None = None
    account_id: int | None = None  # the reporter
    target_account_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AccountFilter:
    """Admin accounts list filters (Mastodon's v1 names); every flag set must hold."""

    suspended: bool = False
    silenced: bool = False
    sensitized: bool = False
    disabled: bool = False
    active: bool = False  # none of the above


class ModerationStore(Protocol):
    async def add_report(self, report: Report) -> None: ...

    async def get_report(self, report_id: int) -> Report | None: ...

    async def save_report(self, report: Report) -> None:
        """Replace the mutable fields (assignment, resolution, status ids, comment)."""
        ...

    async def reports(self, query: ReportFilter, page: PageRequest) -> list[Report]:
        """Newest first; the page applies to the report id."""
        ...

    async def open_report_for(self, target_account_id: int, source: str) -> Report | None:
        """The newest unresolved report of ``source`` against the account (dedupes system reports)."""
        ...

    async def count_reports(self, resolved: bool) -> int: ...

    async def track_account(self, account_id: int) -> None:
        """Make the account known to the admin accounts list (idempotent)."""
        ...

    async def restrictions(self, account_id: int) -> AccountRestrictions | None: ...

    async def restrictions_many(self, account_ids: Sequence[int]) -> dict[int, AccountRestrictions]: ...

    async def save_restrictions(self, restrictions: AccountRestrictions) -> None: ...

    async def accounts(self, query: AccountFilter, page: PageRequest) -> list[AccountRestrictions]:
        """Known accounts matching the filter, newest account id first."""
        ...

    async def restricted(self) -> tuple[set[int], set[int]]:
        """(suspended, silenced) account ids: the in-process read filters load them."""
        ...

    async def hide_status(self, hidden: HiddenStatus) -> bool:
        """True when the status was not hidden yet."""
        ...

    async def unhide_status(self, status_id: int) -> bool: ...

    async def hidden_statuses(self) -> dict[int, int]:
        """Every hidden status id -> its author (kept small: hidden statuses await review)."""
        ...


# --------------------------------------------------------------------------------------------
# analytics: trend buckets, daily counters, per-account behaviour (owner: analytics role).
# SQLite embedded; Redis (sorted sets per hourly bucket, HyperLogLogs, capped lists) in production.
# --------------------------------------------------------------------------------------------


class TrendStore(Protocol):
    async def record(self, tally: Tally) -> int | None:
        """Apply one event's tally at once (counters, active account, trends when its claim is
        new, behaviour, log); None when ``tally.event_id`` was recorded before, else the
        account's event total."""
        ...

    async def first_time(self, event_id: str) -> bool:
        """False when this analytics event was counted already (redelivery)."""
        ...

    async def add(self, kind: str, key: str, bucket: int, amount: float) -> None:
        """Count ``amount`` for ``key`` ("tag" name, "status" id) in an hourly bucket."""
        ...

    async def top(
        self, kind: str, weights: Sequence[tuple[int, float]], limit: int
    ) -> list[tuple[str, float]]:
        """Keys by decayed score over the weighted buckets, highest first (scores > 0 only)."""
        ...

    async def count(self, name: str, day: datetime.date, amount: int = 1) -> None: ...

    async def counts(self, name: str, days: Sequence[datetime.date]) -> list[int]: ...

    async def mark_active(self, day: datetime.date, account_id: int) -> None: ...

    async def active(self, days: Sequence[datetime.date]) -> int:
        """Distinct accounts active on any of ``days`` (approximate in production: HyperLogLog)."""
        ...

    async def append_behaviour(self, account_id: int, event: dict[str, Any], keep: int) -> int:
        """Append to the account's recent interaction events (the newest ``keep`` are kept);
        returns how many events the account has had in all."""
        ...

    async def behaviour(self, account_id: int) -> list[dict[str, Any]]:
        """The account's recent interaction events, oldest first."""
        ...

    async def log(self, event: dict[str, Any]) -> None:
        """Append to the interaction log (the training export; bounded retention)."""
        ...

    async def read_log(self, after: str | None, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """(cursor, event) in log order after ``after`` (None: from the start)."""
        ...

    async def close(self) -> None: ...


class TagFollowStore(Protocol):
    """Hashtags an account follows (Mastodon's followed tags)."""

    async def follow(self, account_id: int, tag: str) -> None:
        """Idempotent: following again keeps the first row (and its place in the list)."""
        ...

    async def unfollow(self, account_id: int, tag: str) -> bool: ...

    async def following(self, account_id: int, tags: Sequence[str]) -> set[str]:
        """Which of ``tags`` the account follows."""
        ...

    async def followed(self, account_id: int, page: PageRequest) -> list[tuple[int, str]]:
        """(row id, tag), newest first; the page applies to the row id."""
        ...


# --------------------------------------------------------------------------------------------
# lists: named groups of followed accounts and their timelines (owner: feed role)
# --------------------------------------------------------------------------------------------


class ListStore(Protocol):
    """Mastodon lists and their members (account ids); a list's members go with it."""

    async def create(self, timeline_list: TimelineList) -> None: ...

    async def get(self, list_id: int) -> TimelineList | None: ...

    async def update(self, timeline_list: TimelineList) -> None:
        """Replace title, replies_policy and exclusive."""
        ...

    async def delete(self, list_id: int) -> bool: ...

    async def of_owner(self, owner_id: int) -> list[TimelineList]:
        """The owner's lists, oldest first."""
        ...

    async def add_members(self, timeline_list: TimelineList, account_ids: Sequence[int]) -> None:
        """Idempotent: an account already in the list stays once."""
        ...

    async def remove_members(self, list_id: int, account_ids: Sequence[int]) -> None: ...

    async def member_ids(self, list_id: int) -> list[int]: ...

    async def members(self, list_id: int, page: PageRequest) -> list[int]:
        """Member account ids, highest first; the page applies to the account id."""
        ...

    async def with_member(self, owner_id: int, account_id: int) -> list[TimelineList]:
        """The owner's lists that hold the account, oldest first."""
        ...

    async def containing(self, account_id: int) -> list[TimelineList]:
        """Every list (of any owner) that holds the account: where its new posts are streamed."""
        ...

    async def forget_member(self, owner_id: int, account_id: int) -> None:
        """Take the account out of every list of the owner (the owner stopped following it)."""
        ...
