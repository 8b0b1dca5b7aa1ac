"""Each role's stores: SQLite (embedded, schema registered on the Lifecycle) or their production
adapter, chosen from Settings alone (with infrastructure.py, the only place adapters are chosen):

  PostgreSQL (ROOKERY_POSTGRES_DSN): accounts, OAuth, markers, statuses, interactions, conversation
    mutes, media records, push subscriptions, conversations, tag follows, moderation, lists
  Cassandra (ROOKERY_CASSANDRA_CONTACT_POINTS): graph, home timelines (Redis in front when
    ROOKERY_REDIS_URL is set), notifications, chats; their events go to the posts store's outbox
  Redis (ROOKERY_REDIS_URL): the trend store
  OpenSearch / Elasticsearch (ROOKERY_SEARCH_URL + ROOKERY_SEARCH_ENGINE): the search index
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from rookery.workloads.adapters.outbox_appender import OutboxAppender
from rookery.workloads.bootstrap.container import (
    AdminStores,
    Events,
    Infrastructure,
    Lifecycle,
    MediaStores,
    PushChannels,
    SearchStores,
    SocialStores,
)
from rookery.workloads.bootstrap.infrastructure import issuer_keys, model_client, vapid_keys
from rookery.workloads.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from rookery.workloads.adapters.cassandra.graph import EventSink
    from rookery.workloads.adapters.keycloak.client import KeycloakClient
    from rookery.workloads.adapters.local.keys import SigningKeys
    from rookery.workloads.domain.shards import ShardStorage
    from rookery.workloads.ports.accounts import AccountRepository, MarkerStore, OAuthStore
    from rookery.workloads.ports.announcements import AnnouncementStore
    from rookery.workloads.ports.emojis import CustomEmojiStore
    from rookery.workloads.ports.feed import ListStore, TimelineStore
    from rookery.workloads.ports.instance import InstanceContentStore
    from rookery.workloads.ports.media import MediaStore
    from rookery.workloads.ports.messaging import MessageStore
    from rookery.workloads.ports.posts import ConversationStore
    from rookery.workloads.ports.profiles import ProfileStore

log = logging.getLogger("rookery.search")


@dataclasses.dataclass(frozen=True)
class AccountStores:
    repository: AccountRepository
    oauth: OAuthStore
    markers: MarkerStore
    issuer_keys: SigningKeys  # the embedded token issuer's keys
    keycloak: KeycloakClient | None = None  # Keycloak mode
    instance: InstanceContentStore | None = None  # server rules and documents


def accounts(settings: Settings, infra: Infrastructure, life: Lifecycle, *, keycloak: bool) -> AccountStores:
    """Accounts, OAuth and markers (SQLite or PostgreSQL); the issuer's keys; in Keycloak mode
    (ROOKERY_OIDC_ISSUER + ROOKERY_OIDC_CLIENT_ID/SECRET) the Keycloak admin client."""
    keys = infra.signing_keys or issuer_keys(settings)
    client = None
    if keycloak:
        from rookery.workloads.adapters.keycloak.client import KeycloakClient

        client = KeycloakClient(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret)
        life.stoppers.append(client.close)
    repository: AccountRepository
    oauth: OAuthStore
    markers: MarkerStore
    if infra.postgres is not None:  # production: PostgreSQL (schema applied by `rookery migrate`)
        from rookery.workloads.adapters.postgres import accounts as pg_accounts
        from rookery.workloads.adapters.postgres import oauth as pg_oauth

        repository = pg_accounts.PostgresAccountRepository(infra.postgres)
        oauth = pg_oauth.PostgresOAuthStore(infra.postgres)
        markers = pg_accounts.PostgresMarkerStore(infra.postgres)
        from rookery.workloads.adapters.postgres.instance import PostgresInstanceContentStore

        instance: InstanceContentStore = PostgresInstanceContentStore(infra.postgres)
    else:
        from rookery.workloads.adapters.sqlite import accounts as sqlite_accounts
        from rookery.workloads.adapters.sqlite import markers as sqlite_markers
        from rookery.workloads.adapters.sqlite import oauth as sqlite_oauth

        life.migrations += [*sqlite_accounts.MIGRATIONS, *sqlite_oauth.MIGRATIONS]
        life.migrations += sqlite_markers.MIGRATIONS
        embedded_accounts = sqlite_accounts.SqliteAccountRepository(infra.db)
        repository = embedded_accounts
        oauth = sqlite_oauth.SqliteOAuthStore(infra.db)
        markers = sqlite_markers.SqliteMarkerStore(infra.db)
        from rookery.workloads.adapters.sqlite import instance as sqlite_instance

        life.migrations += sqlite_instance.MIGRATIONS
        embedded_instance = sqlite_instance.SqliteInstanceContentStore(infra.db)
        instance = embedded_instance

        async def close_readers() -> None:  # the inline read connections of the instance's numbers
            embedded_accounts.reader.close()
            embedded_instance.reader.close()

        life.stoppers.append(close_readers)
    return AccountStores(repository, oauth, markers, keys, client, instance)


def event_sink(infra: Infrastructure, events: Events) -> EventSink:
    """For stores without a transaction to share (Cassandra): the posts store's outbox
    (PostgreSQL, else embedded), one transaction per append."""
    if infra.postgres is not None and infra.postgres_outbox is not None:
        return OutboxAppender(infra.postgres.transaction, infra.postgres_outbox)
    return OutboxAppender(infra.db.transaction, events.outbox)


def social(settings: Settings, infra: Infrastructure, events: Events, life: Lifecycle) -> SocialStores:
    from rookery.workloads.adapters.sqlite import graph as sqlite_graph
    from rookery.workloads.adapters.sqlite import interactions as sqlite_interactions
    from rookery.workloads.adapters.sqlite import notifications as sqlite_notifications
    from rookery.workloads.adapters.sqlite import statuses as sqlite_statuses
    from rookery.workloads.adapters.sqlite import timelines as sqlite_timelines
    from rookery.workloads.ports.filters import FilterStore, ScheduledStatusStore
    from rookery.workloads.ports.graph import GraphStore
    from rookery.workloads.ports.notifications import NotificationFilterStore, NotificationStore
    from rookery.workloads.ports.posts import ConversationMuteStore, InteractionStore, PollStore, StatusRepository

    db, outbox = infra.db, events.outbox
    life.migrations += [
        *sqlite_statuses.MIGRATIONS,
        *sqlite_interactions.MIGRATIONS,
        *sqlite_graph.MIGRATIONS,
        *sqlite_timelines.MIGRATIONS,
        *sqlite_notifications.MIGRATIONS,
    ]
    statuses: StatusRepository
    interactions: InteractionStore
    mutes: ConversationMuteStore
    if infra.postgres is not None and infra.postgres_outbox is not None:
        # production: statuses and interactions in PostgreSQL, with their own outbox
        from rookery.workloads.adapters.postgres import statuses as pg_statuses
        from rookery.workloads.adapters.postgres.conversation_mutes import PostgresConversationMuteStore

        statuses = pg_statuses.PostgresStatusRepository(infra.postgres, infra.postgres_outbox)
        interactions = pg_statuses.PostgresInteractionStore(infra.postgres, infra.postgres_outbox)
        mutes = PostgresConversationMuteStore(infra.postgres)
        from rookery.workloads.adapters.postgres.polls import PostgresPollStore

        polls: PollStore = PostgresPollStore(infra.postgres, infra.postgres_outbox)
        from rookery.workloads.adapters.postgres.notification_filters import PostgresNotificationFilterStore

        filters: NotificationFilterStore = PostgresNotificationFilterStore(infra.postgres)
        from rookery.workloads.adapters.postgres import filters as pg_status_filters

        status_filters: FilterStore = pg_status_filters.PostgresFilterStore(infra.postgres)
        if infra.redis is not None:  # most viewers have no filters: then a page asks PostgreSQL nothing
            from rookery.workloads.adapters.cached_filters import NoFiltersCachingStore

            status_filters = NoFiltersCachingStore(status_filters, infra.entities)
        scheduled: ScheduledStatusStore = pg_status_filters.PostgresScheduledStatusStore(infra.postgres)
    else:
        from rookery.workloads.adapters.sqlite.conversation_mutes import SqliteConversationMuteStore

        statuses = sqlite_statuses.SqliteStatusRepository(db, outbox)
        interactions = sqlite_interactions.SqliteInteractionStore(db, outbox)
        mutes = SqliteConversationMuteStore(db)
        from rookery.workloads.adapters.sqlite import notification_filters as sqlite_filters
        from rookery.workloads.adapters.sqlite import polls as sqlite_polls

        life.migrations += [*sqlite_polls.MIGRATIONS, *sqlite_filters.MIGRATIONS]
        polls = sqlite_polls.SqlitePollStore(db, outbox)
        filters = sqlite_filters.SqliteNotificationFilterStore(db)
        from rookery.workloads.adapters.sqlite import filters as sqlite_status_filters

        life.migrations += sqlite_status_filters.MIGRATIONS
        status_filters = sqlite_status_filters.SqliteFilterStore(db)
        from rookery.workloads.adapters.cached_filters import NoFiltersCachingStore

        status_filters = NoFiltersCachingStore(status_filters, infra.entities)  # as in production
        scheduled = sqlite_status_filters.SqliteScheduledStatusStore(db)
    from rookery.workloads.adapters.cached_relations import RelationsCachingGraphStore

    graph: GraphStore
    timelines: TimelineStore
    notifications: NotificationStore
    if infra.cassandra is not None:  # production: graph, home timelines, notifications
        from rookery.workloads.adapters.cassandra.graph import CassandraGraphStore
        from rookery.workloads.adapters.cassandra.notifications import CassandraNotificationStore
        from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore

        graph = CassandraGraphStore(infra.cassandra, event_sink(infra, events))
        if infra.redis is not None:  # each viewer's relations cached in front (home reads skip Cassandra)
            graph = RelationsCachingGraphStore(graph, infra.entities)
        if settings.feed_shards or settings.feed_shard:
            timelines = sharded_timelines(settings, infra)
        else:
            timelines = CassandraTimelineStore(
                infra.cassandra, settings.home_timeline_max, settings.cassandra_timeline_ttl_s
            )
            if infra.hot_timelines is not None:  # Redis in front: the newest entries of each home timeline
                from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore

                timelines = HotColdTimelineStore(infra.hot_timelines, timelines)
        notifications = CassandraNotificationStore(infra.cassandra, settings.cassandra_notification_ttl_s)
    else:
        if settings.feed_shards or settings.feed_shard:
            raise ConfigurationError(
                "FeedShards (ROOKERY_FEED_SHARDS / ROOKERY_FEED_SHARD) keep their timelines in Cassandra tables:"
                " set ROOKERY_CASSANDRA_CONTACT_POINTS"
            )
        # as in production: each viewer's relations cached in front (a home page's three graph
        # queries become one in-memory snapshot)
        graph = RelationsCachingGraphStore(sqlite_graph.SqliteGraphStore(db, outbox), infra.entities)
        timelines = sqlite_timelines.SqliteTimelineStore(db, settings.home_timeline_max)
        notifications = sqlite_notifications.SqliteNotificationStore(db)
    stores = SocialStores(
        statuses, interactions, mutes, graph, timelines, notifications, polls, filters,
        filters=status_filters, scheduled=scheduled,
    )  # fmt: skip
    stores = dataclasses.replace(stores, profiles=profiles(infra, life))

    async def close_readers() -> None:  # the embedded stores' inline read connections
        for store in (statuses, interactions, graph, timelines):
            reader = getattr(store, "reader", None)
            if reader is not None:
                reader.close()

    life.stoppers.append(close_readers)
    return stores


def _shard_timelines(settings: Settings, infra: Infrastructure, storage: ShardStorage) -> TimelineStore:
    """One FeedShard's home timelines: its Cassandra tables, its Redis keys in front."""
    from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore
    from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore
    from rookery.workloads.adapters.redis.timelines import RedisTimelineStore

    assert infra.cassandra is not None
    durable = CassandraTimelineStore(
        infra.cassandra, storage.max, storage.ttl_s, table=storage.table, bucket_days=storage.bucket_days
    )
    if infra.redis is None:
        return durable
    hot = RedisTimelineStore(
        infra.redis,
        settings.tenant,
        storage.max,
        prefix=storage.prefix,
        ttl_s=storage.redis_ttl_s,
        min_replica_acks=settings.redis_replica_acks,
        replica_ack_timeout_ms=settings.redis_replica_ack_timeout_ms,
    )
    return HotColdTimelineStore(hot, durable)


def own_shard_storage(settings: Settings) -> ShardStorage:
    """A FeedShard worker's storage, from its env (ROOKERY_TIMELINE_TABLE, ..._TTL_SECONDS,
    ..._BUCKET_DAYS, ROOKERY_REDIS_KEY_PREFIX, ROOKERY_REDIS_TIMELINE_TTL_SECONDS, HOME_TIMELINE_MAX)."""
    from rookery.workloads.domain.shards import ShardStorage, check_storage

    own = ShardStorage(
        settings.timeline_table,
        settings.timeline_ttl_seconds,
        settings.timeline_bucket_days,
        settings.redis_key_prefix,
        settings.redis_timeline_ttl_seconds,
        settings.home_timeline_max,
    )
    try:
        return check_storage(own, f"FeedShard {settings.feed_shard!r} (ROOKERY_TIMELINE_* / ROOKERY_REDIS_*)")
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None


def sharded_timelines(settings: Settings, infra: Infrastructure) -> TimelineStore:
    """With FeedShards. A shard's worker (ROOKERY_FEED_SHARD) writes its own storage, from its env,
    which must agree with its ROOKERY_FEED_SHARDS entry (the one readers route by). Every other
    process reads and writes each user's home timeline in the storage of the shard that owns the
    user (ROOKERY_FEED_SHARDS), the tenant's own for users outside every range."""
    from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore
    from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore
    from rookery.workloads.adapters.sharded_timelines import ShardedTimelineStore
    from rookery.workloads.domain.shards import parse_shards

    assert infra.cassandra is not None
    try:
        shards = parse_shards(settings.feed_shards)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    if settings.feed_shard:
        own = own_shard_storage(settings)
        listed = next((s.storage for s in shards if s.name == settings.feed_shard), None)
        if listed is not None and listed != own:
            raise ConfigurationError(
                f"FeedShard {settings.feed_shard!r}: its env says {own}, ROOKERY_FEED_SHARDS (where the"
                f" readers look) says {listed}"
            )
        return _shard_timelines(settings, infra, own)
    default: TimelineStore = CassandraTimelineStore(
        infra.cassandra, settings.home_timeline_max, settings.cassandra_timeline_ttl_s
    )
    if infra.hot_timelines is not None:
        default = HotColdTimelineStore(infra.hot_timelines, default)
    routed = [(shard, _shard_timelines(settings, infra, shard.storage)) for shard in shards if shard.storage]
    return ShardedTimelineStore(default, routed)


def lists(infra: Infrastructure, life: Lifecycle) -> ListStore:
    if infra.postgres is not None:  # production: migration 0020
        from rookery.workloads.adapters.postgres.lists import PostgresListStore

        return PostgresListStore(infra.postgres)
    from rookery.workloads.adapters.sqlite import lists as sqlite_lists

    life.migrations += [*sqlite_lists.MIGRATIONS]
    return sqlite_lists.SqliteListStore(infra.db)


def media(settings: Settings, infra: Infrastructure, events: Events, life: Lifecycle) -> MediaStores:
    from rookery.workloads.adapters.local.media import LocalMediaStore

    # a production adapter (Cloudinary) may be set already; else the local files at /system/media
    files = infra.media_store or LocalMediaStore(settings.data_dir / "media", settings.base_url)
    if infra.media_store is None and settings.shared:
        logging.getLogger("rookery.media").warning(
            "media files go to %s on this process's disk: set ROOKERY_CLOUDINARY_URL, or mount one volume"
            " shared by every replica there (uploads fail on a read-only filesystem)",
            settings.data_dir / "media",
        )
    if infra.postgres is not None and infra.postgres_outbox is not None:  # production: records in PostgreSQL
        from rookery.workloads.adapters.postgres.media import PostgresMediaRepository

        return MediaStores(PostgresMediaRepository(infra.postgres, infra.postgres_outbox), files)
    from rookery.workloads.adapters.sqlite import media as sqlite_media

    life.migrations += [*sqlite_media.MIGRATIONS]
    return MediaStores(sqlite_media.SqliteMediaRepository(infra.db, events.outbox), files)


def messages(infra: Infrastructure, events: Events, life: Lifecycle) -> MessageStore:
    from rookery.workloads.adapters.sqlite import messaging as sqlite_messaging

    life.migrations += [*sqlite_messaging.MIGRATIONS]
    if infra.cassandra is not None:  # production: chats on Cassandra
        from rookery.workloads.adapters.cassandra.messaging import CassandraMessageStore

        return CassandraMessageStore(infra.cassandra, event_sink(infra, events))
    return sqlite_messaging.SqliteMessageStore(infra.db, events.outbox)


def push(settings: Settings, infra: Infrastructure, life: Lifecycle) -> PushChannels:
    """Web Push subscriptions and the delivery channels: Web Push, e-mail (SMTP when
    ROOKERY_SMTP_HOST is set, else logged), APNs and FCM (logged)."""
    from rookery.workloads.adapters.local.email import LoggingEmailSender, SmtpEmailSender
    from rookery.workloads.adapters.local.push import LoggingPushSender, WebPushSender
    from rookery.workloads.ports.notifications import EmailSender, PushSubscriptionStore

    subscriptions: PushSubscriptionStore
    if infra.postgres is not None:  # production: subscriptions in PostgreSQL
        from rookery.workloads.adapters.postgres.push import PostgresPushSubscriptionStore

        subscriptions = PostgresPushSubscriptionStore(infra.postgres)
    else:
        from rookery.workloads.adapters.sqlite import push as sqlite_push

        life.migrations += [*sqlite_push.MIGRATIONS]
        subscriptions = sqlite_push.SqlitePushSubscriptionStore(infra.db)
    web_push = WebPushSender(
        vapid_keys(settings),
        settings.push_contact or f"mailto:{settings.contact_email}",
        timeout_s=settings.push_timeout_s,
        allow_private=settings.push_allow_private_endpoints,
    )
    email: EmailSender = (
        SmtpEmailSender(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from or settings.contact_email,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
        if settings.smtp_host
        else LoggingEmailSender()
    )
    life.stoppers.insert(0, web_push.close)
    return PushChannels(subscriptions, web_push, LoggingPushSender("APNs"), LoggingPushSender("FCM"), email)


def search(settings: Settings, infra: Infrastructure, life: Lifecycle) -> SearchStores:
    """SearchIndex = SQLite FTS5, or OpenSearch / Elasticsearch by ROOKERY_SEARCH_URL; tag follows."""
    from rookery.workloads.domain.unavailable import StoreUnavailable
    from rookery.workloads.ports.search import SearchIndex, TagFollowStore

    index: SearchIndex
    if settings.search_url:
        from rookery.workloads.adapters.search.engine import EngineSearchIndex

        cluster: EngineSearchIndex
        if settings.search_engine.lower() == "elasticsearch":
            from rookery.workloads.adapters.search.elasticsearch import ElasticsearchIndex

            cluster = ElasticsearchIndex(
                settings.search_url,
                settings.tenant,
                refresh=settings.search_refresh,
                timeout_s=settings.search_timeout_s,
            )
        else:
            from rookery.workloads.adapters.search.opensearch import OpenSearchIndex

            cluster = OpenSearchIndex(
                settings.search_url,
                settings.tenant,
                refresh=settings.search_refresh,
                timeout_s=settings.search_timeout_s,
            )

        async def setup_search() -> None:  # a cluster that is away must not stop the process
            try:
                await cluster.setup()
            except StoreUnavailable as exc:
                log.warning("search cluster unavailable at start (set up on first use): %s", exc)

        life.starters.append(setup_search)
        index = cluster
    else:
        from rookery.workloads.adapters.sqlite import search as sqlite_search

        life.migrations += [*sqlite_search.MIGRATIONS]
        index = sqlite_search.SqliteSearchIndex(infra.db)
    life.stoppers.append(index.close)
    tag_follows: TagFollowStore
    if infra.postgres is not None:  # production: migration 0016
        from rookery.workloads.adapters.postgres.tags import PostgresTagFollowStore

        tag_follows = PostgresTagFollowStore(infra.postgres)
    else:
        from rookery.workloads.adapters.sqlite import tags as sqlite_tags

        life.migrations += [*sqlite_tags.MIGRATIONS]
        tag_follows = sqlite_tags.SqliteTagFollowStore(infra.db)
    return SearchStores(index, tag_follows)


def conversations(infra: Infrastructure, life: Lifecycle) -> ConversationStore:
    if infra.postgres is not None:  # production: migration 0006
        from rookery.workloads.adapters.postgres.conversations import PostgresConversationStore

        return PostgresConversationStore(infra.postgres)
    from rookery.workloads.adapters.sqlite import conversations as sqlite_conversations

    life.migrations += [*sqlite_conversations.MIGRATIONS]
    return sqlite_conversations.SqliteConversationStore(infra.db)


def admin(settings: Settings, infra: Infrastructure, life: Lifecycle) -> AdminStores:
    """Moderation store (SQLite or PostgreSQL), trend store (SQLite or Redis sorted sets per hourly
    bucket), the ModelClient of the AI layer."""
    from rookery.workloads.ports.admin import ModerationStore
    from rookery.workloads.ports.analytics import TrendStore

    moderation: ModerationStore
    if infra.postgres is not None:
        from rookery.workloads.adapters.postgres.moderation import PostgresModerationStore

        moderation = PostgresModerationStore(infra.postgres)
    else:
        from rookery.workloads.adapters.sqlite import moderation as sqlite_moderation

        life.migrations += [*sqlite_moderation.MIGRATIONS]
        moderation = sqlite_moderation.SqliteModerationStore(infra.db)
    trends: TrendStore
    if infra.redis is not None:
        from rookery.workloads.adapters.redis.trends import RedisTrendStore

        trends = RedisTrendStore(infra.redis, settings.tenant)
    else:
        from rookery.workloads.adapters.sqlite import analytics as sqlite_analytics

        life.migrations += [*sqlite_analytics.MIGRATIONS]
        trends = sqlite_analytics.SqliteTrendStore(infra.db)
    return AdminStores(moderation, trends, model_client(settings, life))


def profiles(infra: Infrastructure, life: Lifecycle) -> ProfileStore:
    """Notes, endorsements, featured tags and dismissed suggestions: SQLite or PostgreSQL."""
    if infra.postgres is not None:
        from rookery.workloads.adapters.postgres.profiles import PostgresProfileStore

        return PostgresProfileStore(infra.postgres)
    from rookery.workloads.adapters.sqlite import profiles as sqlite_profiles

    life.migrations += [*sqlite_profiles.MIGRATIONS]
    return sqlite_profiles.SqliteProfileStore(infra.db)


def emojis(settings: Settings, infra: Infrastructure, life: Lifecycle) -> tuple[CustomEmojiStore, MediaStore]:
    """Custom emoji records (SQLite or PostgreSQL) and the store their images go to: the media
    role's (Cloudinary, else local files under the data directory)."""
    from rookery.workloads.adapters.local.media import LocalMediaStore

    files = infra.media_store or LocalMediaStore(settings.data_dir / "media", settings.base_url)
    if infra.postgres is not None:
        from rookery.workloads.adapters.postgres.emojis import PostgresCustomEmojiStore

        return PostgresCustomEmojiStore(infra.postgres), files
    from rookery.workloads.adapters.sqlite import emojis as sqlite_emojis

    life.migrations += [*sqlite_emojis.MIGRATIONS]
    return sqlite_emojis.SqliteCustomEmojiStore(infra.db), files


def announcements(infra: Infrastructure, life: Lifecycle) -> AnnouncementStore:
    if infra.postgres is not None:
        from rookery.workloads.adapters.postgres.announcements import PostgresAnnouncementStore

        return PostgresAnnouncementStore(infra.postgres)
    from rookery.workloads.adapters.sqlite import announcements as sqlite_announcements

    life.migrations += [*sqlite_announcements.MIGRATIONS]
    return sqlite_announcements.SqliteAnnouncementStore(infra.db)
