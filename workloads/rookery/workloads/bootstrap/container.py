"""The Container: what ``build()`` wired, typed, and its start/close.

Every part is a dataclass whose fields are typed by their Protocols (ports) or service classes;
a role that is not in this process is ``None``. ``Infrastructure`` holds the edge ports and the
database handles every role shares; each role's dataclass holds its stores and its services
(lists, media, messaging, push and search: ``Role[stores, service]``; accounts, the social core,
conversations and admin: a dataclass of their own, as they have several services or views).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from rookery.workloads.adapters.sqlite.db import Database, Migration
from rookery.workloads.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from rookery.workloads.adapters.cassandra.session import CassandraSession
    from rookery.workloads.adapters.kafka.bus import KafkaEventBus
    from rookery.workloads.adapters.local.keys import SigningKeys
    from rookery.workloads.adapters.local.push import WebPushSender
    from rookery.workloads.adapters.postgres.db import PostgresDatabase
    from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
    from rookery.workloads.adapters.redis.dedupe import ProcessedEvents
    from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
    from rookery.workloads.ports.accounts import AccountRepository, MarkerStore, OAuthStore
    from rookery.workloads.ports.admin import ModerationStore
    from rookery.workloads.ports.analytics import TrendStore
    from rookery.workloads.ports.edge import Cache, EntityCache, IdempotencyStore, LockManager, RateLimiter, Realtime
    from rookery.workloads.ports.events import EventBus, Outbox
    from rookery.workloads.ports.feed import ListStore, TimelineStore
    from rookery.workloads.ports.filters import FilterStore, ScheduledStatusStore
    from rookery.workloads.ports.graph import GraphStore
    from rookery.workloads.ports.inference import ModelClient
    from rookery.workloads.ports.media import MediaRepository, MediaStore
    from rookery.workloads.ports.messaging import MessageStore
    from rookery.workloads.ports.notifications import (
        EmailSender,
        NotificationFilterStore,
        NotificationStore,
        PushSender,
        PushSubscriptionStore,
    )
    from rookery.workloads.ports.posts import (
        ConversationMuteStore,
        ConversationStore,
        InteractionStore,
        PollStore,
        StatusRepository,
    )
    from rookery.workloads.ports.profiles import ProfileStore
    from rookery.workloads.ports.search import SearchIndex, TagFollowStore
    from rookery.workloads.services.accounts import AccountsService
    from rookery.workloads.services.analytics import AnalyticsService
    from rookery.workloads.services.announcements import Announcements
    from rookery.workloads.services.conversations import ConversationsService
    from rookery.workloads.services.emojis import CustomEmojis
    from rookery.workloads.services.feed import FeedService
    from rookery.workloads.services.filters import FiltersService
    from rookery.workloads.services.graph import GraphService
    from rookery.workloads.services.instance import InstanceContent
    from rookery.workloads.services.interactions import InteractionsService
    from rookery.workloads.services.keycloak_mode import KeycloakMode
    from rookery.workloads.services.lists import ListsService
    from rookery.workloads.services.media import MediaService
    from rookery.workloads.services.messaging import MessagingService
    from rookery.workloads.services.moderation import ModerationService
    from rookery.workloads.services.notifications import NotificationsService
    from rookery.workloads.services.oauth import OAuthService
    from rookery.workloads.services.polls import PollsService
    from rookery.workloads.services.posts import PostsService
    from rookery.workloads.services.profiles import ProfilesService
    from rookery.workloads.services.push import PushService
    from rookery.workloads.services.scheduled import ScheduledStatusesService
    from rookery.workloads.services.search import SearchService
    from rookery.workloads.services.streaming import StreamHub
    from rookery.workloads.services.tokens import TokenValidator
    from rookery.workloads.views.accounts import AccountViews
    from rookery.workloads.views.conversations import ConversationViews
    from rookery.workloads.views.statuses import StatusViews
    from rookery.workloads.workers.moderation import ModerationWorker

log = logging.getLogger("rookery.bootstrap")

Step = Callable[[], Awaitable[object]]
Stores = TypeVar("Stores")
Service = TypeVar("Service")


@dataclasses.dataclass
class Lifecycle:
    """What start() and close() run: the embedded schema of every role, then the starters in
    order; the stoppers in reverse order. The wiring modules append to it as they build."""

    migrations: list[Migration] = dataclasses.field(default_factory=list)
    starters: list[Step] = dataclasses.field(default_factory=list)
    stoppers: list[Step] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Infrastructure:
    """The edge ports and database handles (infrastructure.py chooses them from Settings)."""

    cache: Cache
    entities: EntityCache  # rendered statuses and accounts
    rate_limiter: RateLimiter
    locks: LockManager
    idempotency: IdempotencyStore
    realtime: Realtime  # in-process pub/sub, or Redis
    db: Database  # the embedded SQLite file, connected and migrated on start
    signing_keys: SigningKeys | None  # the embedded token issuer's keys (no external issuer)
    redis: Redis | None = None
    hot_timelines: TimelineStore | None = None  # Redis in front of the durable home timelines
    processed_events: ProcessedEvents | None = None
    kafka: KafkaEventBus | None = None
    postgres: PostgresDatabase | None = None
    postgres_outbox: PostgresOutbox | None = None
    cassandra: CassandraSession | None = None
    media_store: MediaStore | None = None  # Cloudinary, when configured


@dataclasses.dataclass(frozen=True)
class Events:
    """The event bus (Kafka, else the embedded event log) and the outboxes relayed to it."""

    bus: EventBus
    outbox: SqliteOutbox  # the embedded outbox (stores without a production setting write here)
    outboxes: list[Outbox]  # every outbox relayed: the embedded one, then PostgreSQL's when set


@dataclasses.dataclass(frozen=True)
class Role(Generic[Stores, Service]):
    """A role that is a set of stores (one store, or a dataclass of them) and one use-case service:
    lists, media, messaging, push, search."""

    stores: Stores
    service: Service


@dataclasses.dataclass(frozen=True)
class AccountsRole:
    repository: AccountRepository  # the store itself (decorated only inside AccountsService)
    oauth_store: OAuthStore
    markers: MarkerStore
    service: AccountsService
    oauth: OAuthService
    views: AccountViews
    keycloak: KeycloakMode | None = None  # Keycloak mode (ROOKERY_OIDC_CLIENT_ID)
    instance: InstanceContent | None = None  # server rules and documents
    emojis: CustomEmojis | None = None  # admin-managed custom emojis
    announcements: Announcements | None = None


@dataclasses.dataclass(frozen=True)
class SocialStores:
    statuses: StatusRepository
    interactions: InteractionStore
    conversation_mutes: ConversationMuteStore
    graph: GraphStore
    timelines: TimelineStore
    notifications: NotificationStore
    polls: PollStore | None = None
    notification_filters: NotificationFilterStore | None = None
    filters: FilterStore | None = None
    scheduled: ScheduledStatusStore | None = None
    profiles: ProfileStore | None = None  # notes, endorsements, featured tags, dismissed suggestions


@dataclasses.dataclass(frozen=True)
class SocialRole:
    """posts, graph, feed and notifications: one store set, their use cases and status views."""

    stores: SocialStores
    posts: PostsService
    interactions: InteractionsService
    graph: GraphService
    feed: FeedService
    notifications: NotificationsService
    status_views: StatusViews
    polls: PollsService | None = None
    filters: FiltersService | None = None
    scheduled: ScheduledStatusesService | None = None
    profiles: ProfilesService | None = None


@dataclasses.dataclass(frozen=True)
class MediaStores:
    repository: MediaRepository
    files: MediaStore


@dataclasses.dataclass(frozen=True)
class PushChannels:
    subscriptions: PushSubscriptionStore
    web_push: WebPushSender
    apns: PushSender
    fcm: PushSender
    email: EmailSender


@dataclasses.dataclass(frozen=True)
class SearchStores:
    index: SearchIndex
    tag_follows: TagFollowStore


@dataclasses.dataclass(frozen=True)
class ConversationsRole:
    store: ConversationStore
    service: ConversationsService
    views: ConversationViews


@dataclasses.dataclass(frozen=True)
class AdminStores:
    moderation: ModerationStore
    trends: TrendStore
    models: ModelClient


@dataclasses.dataclass(frozen=True)
class AdminRole:
    """admin + analytics roles and the AI layer."""

    stores: AdminStores
    moderation: ModerationService
    analytics: AnalyticsService
    moderation_worker: ModerationWorker | None = None  # ROOKERY_MODERATION_ENABLED, with a bus


@dataclasses.dataclass
class Container:
    settings: Settings
    roles: tuple[str, ...]
    # embedded schema of every role in this container; applied by the database starter
    migrations: list[Migration] = dataclasses.field(default_factory=list)
    # awaited in order by start() / in reverse by close()
    starters: list[Step] = dataclasses.field(default_factory=list)
    stoppers: list[Step] = dataclasses.field(default_factory=list)
    # what build() wired; a role that is not in this process is None
    infrastructure: Infrastructure | None = None
    token_validator: TokenValidator | None = None
    events: Events | None = None
    accounts: AccountsRole | None = None
    social: SocialRole | None = None
    lists: Role[ListStore, ListsService] | None = None
    media: Role[MediaStores, MediaService] | None = None
    messaging: Role[MessageStore, MessagingService] | None = None
    push: Role[PushChannels, PushService] | None = None
    search: Role[SearchStores, SearchService] | None = None
    conversations: ConversationsRole | None = None
    streaming_hub: StreamHub | None = None
    admin: AdminRole | None = None

    @property
    def infra(self) -> Infrastructure:
        """The edge ports; every container build() returns has them."""
        if self.infrastructure is None:
            raise RuntimeError("this container was not built by bootstrap.build()")
        return self.infrastructure

    @property
    def tokens(self) -> TokenValidator:
        """The token validator; every container build() returns has one."""
        if self.token_validator is None:
            raise RuntimeError("this container was not built by bootstrap.build()")
        return self.token_validator

    @property
    def bus(self) -> EventBus | None:
        """The event bus: Kafka when configured, else the embedded event log of the roles that
        publish (None in a process with neither)."""
        if self.events is not None:
            return self.events.bus
        return self.infra.kafka

    async def start(self) -> None:
        for starter in self.starters:
            await starter()

    async def close(self) -> None:
        # each step is bounded: a consumer stuck in a handler (a model still loading, a frozen
        # store) must not keep the process from shutting down; what is left is logged
        # (asyncio.wait, not wait_for: wait_for waits for the cancelled step to end, forever if it
        # swallows the cancel; here a step past its time is cancelled and left behind)
        limit = self.settings.shutdown_step_timeout_s
        for stopper in reversed(self.stoppers):
            step = asyncio.ensure_future(stopper())
            done, _ = await asyncio.wait({step}, timeout=limit)
            if done:
                if not step.cancelled() and step.exception() is not None:
                    log.error("shutdown step %s failed", _name(stopper), exc_info=step.exception())
                continue
            where = io.StringIO()
            step.print_stack(limit=8, file=where)  # where it is stuck, for whoever reads the log
            step.cancel()
            log.warning("shutdown step %s took longer than %.0fs; skipped\n%s", _name(stopper), limit, where.getvalue())


def _name(func: Callable[..., object]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)
