"""The composition root: the only place that picks adapters (embedded or production) from Settings.

``build(settings, roles)`` returns a Container holding the ports and the use-case services of the
requested roles; ``Container.start()`` connects stores, applies embedded migrations and starts the
background workers (outbox relay, event consumers); ``Container.close()`` stops them.

Layout of ``build``: shared infrastructure first (edge ports, the embedded database, token
validation), then one section per role. Each role section registers its migrations on
``container.migrations``, its ports under ``container.ports`` and its use cases under
``container.services``.

Names other roles may rely on:
  ports["db"]            embedded Database (adapters/sqlite/db.py), connected and migrated on start
  ports["cache"]         Cache; ports["rate_limiter"], ports["locks"], ports["idempotency"]
  ports["accounts"]      AccountRepository; ports["oauth"] OAuthStore
  services["accounts"]   AccountsService (adjust_counts keeps Mastodon counters and the cache right)
  services["oauth"]      OAuthService; services["tokens"] TokenValidator
  services["account_views"]  AccountViews: cached Mastodon Account entities by id
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rookery.workloads import catalogue
from rookery.workloads.adapters.sqlite.db import Database, Migration
from rookery.workloads.settings import Settings

log = logging.getLogger("rookery.bootstrap")

ALL_ROLES = catalogue.ROLES  # every role (rookery.workloads.catalogue names them)


@dataclasses.dataclass
class Container:
    settings: Settings
    roles: tuple[str, ...]
    # ports (see ports.py); filled by build()
    ports: dict[str, Any] = dataclasses.field(default_factory=dict)
    # use-case services by name ("accounts", "oauth", "posts", "graph", "feed", "notifications", ...)
    services: dict[str, Any] = dataclasses.field(default_factory=dict)
    # embedded schema of every role in this container; applied by the database starter
    migrations: list[Migration] = dataclasses.field(default_factory=list)
    # awaited in order by start() / in reverse by close()
    starters: list[Callable[[], Awaitable[object]]] = dataclasses.field(default_factory=list)
    stoppers: list[Callable[[], Awaitable[object]]] = dataclasses.field(default_factory=list)

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


def build(settings: Settings, roles: tuple[str, ...] = ALL_ROLES) -> Container:
    container = Container(settings=settings, roles=roles)
    _edge(container)
    _production_adapters(container)  # Redis / Kafka / Cloudinary when their settings are set
    _postgres(container)  # PostgreSQL stores when ROOKERY_POSTGRES_DSN is set
    _cassandra(container)  # Cassandra session when ROOKERY_CASSANDRA_CONTACT_POINTS is set
    _database(container)
    _token_validation(container)
    if "accounts" in roles:
        _accounts(container)
        _keycloak(container)  # Keycloak mode when ROOKERY_OIDC_CLIENT_ID is set
    # ---- F2: posts, graph, feed, notifications, events/outbox sections go here -------------
    if SOCIAL_ROLES & set(roles):
        _social(container)
        _lists(container)  # feed role's lists (section at the end of this module)
    # ---- media, messaging, push (sections at the end of this module) ------------------------
    if "media" in roles:
        _media(container)
    if "messaging" in roles:
        _messaging(container)
    if "notifications" in roles:
        _push(container)
    _streaming_conversations_search(container)  # section at the end of this module
    _moderation_analytics_ai(container)  # admin + analytics roles, the AI layer (section at the end)
    _postgres_relay(container)
    _start_production_bus(container)  # last: consumers start once every store they call is up
    return container


# -------------------------------------------------------------------------------------------
# shared infrastructure
# -------------------------------------------------------------------------------------------


def _edge(container: Container) -> None:
    from rookery.workloads.adapters.memory.cache import MemoryCache
    from rookery.workloads.adapters.memory.idempotency import MemoryIdempotencyStore
    from rookery.workloads.adapters.memory.locks import MemoryLockManager
    from rookery.workloads.adapters.memory.ratelimit import MemoryRateLimiter

    container.ports["cache"] = MemoryCache(container.settings.cache_max_entries)
    container.ports["rate_limiter"] = MemoryRateLimiter()
    container.ports["locks"] = MemoryLockManager()
    container.ports["idempotency"] = MemoryIdempotencyStore()
    from rookery.workloads.adapters.memory.realtime import MemoryRealtime

    container.ports["realtime"] = MemoryRealtime()  # in-process pub/sub; Redis replaces it in production


def _database(container: Container) -> None:
    db = Database(container.settings.data_dir / "rookery.db")
    container.ports["db"] = db

    async def start() -> None:
        await db.connect()
        await db.migrate(container.migrations)

    container.starters.append(start)
    container.stoppers.append(db.close)


def _token_validation(container: Container) -> None:
    from rookery.workloads.adapters.local.keys import LocalJwksSource, LocalSigningKeys
    from rookery.workloads.adapters.oidc.jwks import HttpJwksSource
    from rookery.workloads.ports import JwksSource
    from rookery.workloads.services.tokens import TokenValidator

    settings = container.settings
    jwks: JwksSource
    if settings.oidc_issuer:
        issuer = settings.oidc_issuer
        jwks = HttpJwksSource(issuer)
    else:
        keys = LocalSigningKeys(settings.data_dir / "keys")
        container.ports["signing_keys"] = keys
        issuer = settings.base_url
        jwks = LocalJwksSource(keys)
    validator = TokenValidator(
        jwks,
        issuer=issuer,
        audience=settings.oidc_audience,
        leeway_s=settings.token_leeway_s,
        cache_size=settings.token_cache_size,
    )
    container.services["tokens"] = validator
    realtime = container.ports.get("realtime")
    if realtime is not None:  # replicas share revoked token ids over pub/sub
        watcher: list[asyncio.Task[None]] = []

        async def watch() -> None:
            watcher.append(asyncio.create_task(validator.watch_revocations(realtime)))

        async def unwatch() -> None:
            for task in watcher:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        container.starters.append(watch)
        container.stoppers.append(unwatch)


# -------------------------------------------------------------------------------------------
# accounts role: accounts, profiles, OAuth apps, the embedded token issuer
# -------------------------------------------------------------------------------------------


def _suspensions(container: Container, accounts: Any) -> None:
    """A suspension locks the account's tokens out on this replica at once, and on the others
    through the Realtime port; a token seen for the first time is checked against the store."""
    from rookery.workloads.services.tokens import SUSPENSIONS_CHANNEL

    validator = container.services["tokens"]
    validator.account_gate = accounts.may_act
    realtime = container.ports.get("realtime")

    async def suspension_changed(account_id: int, suspended: bool) -> None:
        validator.set_suspended(account_id, suspended)
        if realtime is not None:
            await realtime.publish(SUSPENSIONS_CHANNEL, f"{'+' if suspended else '-'}{account_id}".encode())

    accounts.on_suspension = suspension_changed


def _accounts(container: Container) -> None:
    from rookery.workloads.adapters.local.keys import LocalSigningKeys
    from rookery.workloads.adapters.sqlite import accounts as sqlite_accounts
    from rookery.workloads.adapters.sqlite import markers as sqlite_markers
    from rookery.workloads.adapters.sqlite import oauth as sqlite_oauth
    from rookery.workloads.services.accounts import AccountsService, PasswordPolicy, Passwords
    from rookery.workloads.services.oauth import OAuthService, TokenLifetimes
    from rookery.workloads.services.tokens import TokenIssuer
    from rookery.workloads.views.accounts import AccountViews

    settings = container.settings
    db: Database = container.ports["db"]
    pg = container.ports.get("postgres")
    if pg is not None:  # production: PostgreSQL (schema applied by `rookery migrate`)
        from rookery.workloads.adapters.postgres import accounts as pg_accounts
        from rookery.workloads.adapters.postgres import oauth as pg_oauth

        repo: Any = pg_accounts.PostgresAccountRepository(pg)
        store: Any = pg_oauth.PostgresOAuthStore(pg)
        container.ports["markers"] = pg_accounts.PostgresMarkerStore(pg)
    else:
        container.migrations += [*sqlite_accounts.MIGRATIONS, *sqlite_oauth.MIGRATIONS]
        container.migrations += sqlite_markers.MIGRATIONS
        repo = sqlite_accounts.SqliteAccountRepository(db)
        store = sqlite_oauth.SqliteOAuthStore(db)
        container.ports["markers"] = sqlite_markers.SqliteMarkerStore(db)
    container.ports["accounts"] = repo
    container.ports["oauth"] = store

    passwords = Passwords(PasswordPolicy(settings.password_time_cost, settings.password_memory_kib))
    accounts = AccountsService(repo, container.ports["cache"], passwords, settings.account_domain)
    keys = container.ports.get("signing_keys") or LocalSigningKeys(settings.data_dir / "keys")
    issuer = TokenIssuer(keys, settings.base_url, settings.oidc_audience)
    oauth = OAuthService(
        store,
        accounts,
        issuer,
        container.services["tokens"],
        TokenLifetimes(settings.access_token_ttl_s, settings.refresh_token_ttl_s),
    )
    container.services["accounts"] = accounts
    container.services["oauth"] = oauth
    oauth.realtime = container.ports.get("realtime")
    _suspensions(container, accounts)
    container.services["account_views"] = AccountViews(accounts, container.ports["cache"], settings.base_url)
    container.starters.append(oauth.load_revocations)
    if settings.oidc_issuer:  # external issuer's users get local accounts by preferred_username
        container.services["tokens"].subject_resolver = accounts.account_for_external_subject


# -------------------------------------------------------------------------------------------
# production adapters (Redis, Kafka, Cloudinary): chosen by settings only
#   ROOKERY_REDIS_URL        -> cache, rate limiter, locks, idempotency keys, realtime pub/sub,
#                               hot timelines, processed-event dedupe of the Kafka bus
#   ROOKERY_KAFKA_BOOTSTRAP  -> the event bus (the outbox relay publishes to Kafka)
#   ROOKERY_CLOUDINARY_URL   -> the media store
# Unset, each keeps its embedded adapter. (PostgreSQL / Cassandra stores: not in this section.)
# -------------------------------------------------------------------------------------------


def _production_adapters(container: Container) -> None:
    settings = container.settings
    if settings.redis_url:
        from rookery.workloads.adapters.redis.cache import RedisCache
        from rookery.workloads.adapters.redis.dedupe import ProcessedEvents
        from rookery.workloads.adapters.redis.idempotency import RedisIdempotencyStore
        from rookery.workloads.adapters.redis.keys import connect
        from rookery.workloads.adapters.redis.locks import RedisLockManager
        from rookery.workloads.adapters.redis.ratelimit import RedisRateLimiter
        from rookery.workloads.adapters.redis.realtime import RedisRealtime
        from rookery.workloads.adapters.redis.timelines import RedisTimelineStore

        client = connect(
            settings.redis_url, cluster=settings.redis_cluster, max_connections=settings.redis_max_connections
        )
        tenant = settings.tenant
        container.ports.update(
            redis=client,
            cache=RedisCache(client, tenant),
            rate_limiter=RedisRateLimiter(client, tenant),
            locks=RedisLockManager(client, tenant),
            idempotency=RedisIdempotencyStore(client, tenant),
            realtime=RedisRealtime(client, tenant),
            # a TimelineStore on Redis (bounded, Mastodon-style home feeds): the feed section may use
            # it for home timelines, alone or in front of a durable store
            hot_timelines=RedisTimelineStore(client, tenant, settings.home_timeline_max),
            processed_events=ProcessedEvents(client, tenant),
        )
        if settings.redis_cluster:  # learn the slot map up front: a lazy first one races under load
            container.starters.append(client.initialize)
        container.stoppers.append(client.aclose)
    if settings.kafka_bootstrap:
        from rookery.workloads.adapters.kafka.bus import KafkaEventBus

        bus = KafkaEventBus(
            settings.kafka_bootstrap,
            settings.tenant,
            max_attempts=settings.kafka_max_attempts,
            backoff_s=settings.kafka_retry_backoff_s,
            create_topics=settings.kafka_create_topics,
            partitions=settings.kafka_partitions,
            client_id=f"rookery-{settings.tenant}",
            dedupe=container.ports.get("processed_events"),
        )
        container.ports["bus"] = bus
        container.stoppers.append(bus.stop)  # registered first: stops last, after the outbox relay
    if settings.cloudinary_url:
        from rookery.workloads.adapters.cloudinary.media import CloudinaryMediaStore

        store = CloudinaryMediaStore.from_url(
            settings.cloudinary_url,
            folder=settings.cloudinary_folder,
            upload_prefix=settings.cloudinary_upload_prefix,
        )
        container.ports["media_store"] = store
        container.stoppers.append(store.close)


# -------------------------------------------------------------------------------------------
# PostgreSQL (ROOKERY_POSTGRES_DSN): accounts, OAuth, markers, statuses, interactions and their
# outbox. The schema is applied by `rookery migrate` (adapters/postgres/migrations), never here.
# Graph, timelines and notifications keep their own setting (ROOKERY_CASSANDRA_CONTACT_POINTS).
# -------------------------------------------------------------------------------------------


def _postgres(container: Container) -> None:
    settings = container.settings
    if not settings.postgres_dsn:
        return
    from rookery.workloads.adapters.postgres.db import PostgresDatabase
    from rookery.workloads.adapters.postgres.outbox import PostgresOutbox

    db = PostgresDatabase(
        settings.postgres_dsn,
        min_size=settings.postgres_pool_min,
        max_size=settings.postgres_pool_max,
        statement_timeout_ms=settings.postgres_statement_timeout_ms,
        acquire_timeout_s=settings.postgres_acquire_timeout_s,
        schema=settings.postgres_schema,
        application_name=f"rookery-{settings.tenant}",
    )
    outbox = PostgresOutbox(db, channel=f"{settings.postgres_schema or settings.tenant}_outbox")
    container.ports["postgres"] = db
    container.ports["postgres_outbox"] = outbox
    container.starters.append(db.connect)
    container.stoppers.append(db.close)
    container.stoppers.append(outbox.close)


def _postgres_relay(container: Container) -> None:
    """Relay the PostgreSQL outbox to the bus (Kafka in production) when a store writes to it."""
    outbox = container.ports.get("postgres_outbox")
    if outbox is None or not {"statuses", "media"} & container.ports.keys():
        return
    from rookery.workloads.workers.outbox_relay import ClaimingOutboxRelay

    relay = ClaimingOutboxRelay(outbox, container.ports["bus"])
    container.ports["outboxes"] = [container.ports["outbox"], outbox]  # every outbox, for settle/readyz
    container.starters.append(relay.start)
    container.stoppers.append(relay.stop)


def _start_production_bus(container: Container) -> None:
    if container.settings.kafka_bootstrap:  # aiokafka is only installed with the prod extra
        bus = container.ports["bus"]
        container.starters.append(bus.start)
        # stop consuming FIRST, while every store the handlers use is still open (a handler running
        # against a closed database would dead-letter the event); unpublished outbox rows stay
        # in the outbox and are relayed on the next start
        container.stoppers.remove(bus.stop)
        container.stoppers.append(bus.stop)


# -------------------------------------------------------------------------------------------
# social core: posts, graph, feed, notifications roles (their stores share the embedded
# database; events leave through the outbox; fan-out and notify consume them)
# -------------------------------------------------------------------------------------------

SOCIAL_ROLES = catalogue.SOCIAL_ROLES


def _social(container: Container) -> None:
    from rookery.workloads.adapters.sqlite import graph as sqlite_graph
    from rookery.workloads.adapters.sqlite import interactions as sqlite_interactions
    from rookery.workloads.adapters.sqlite import notifications as sqlite_notifications
    from rookery.workloads.adapters.sqlite import statuses as sqlite_statuses
    from rookery.workloads.adapters.sqlite import timelines as sqlite_timelines
    from rookery.workloads.services.feed import FeedService
    from rookery.workloads.services.graph import GraphService
    from rookery.workloads.services.interactions import InteractionsService
    from rookery.workloads.services.notifications import NotificationsService
    from rookery.workloads.services.posts import PostsService
    from rookery.workloads.views.statuses import StatusViews
    from rookery.workloads.workers.fanout import FanoutWorker
    from rookery.workloads.workers.notify import NotifyWorker

    settings = container.settings
    _ensure_events(container)
    db: Database = container.ports["db"]
    outbox = container.ports["outbox"]
    cache = container.ports["cache"]
    container.migrations += [
        *sqlite_statuses.MIGRATIONS,
        *sqlite_interactions.MIGRATIONS,
        *sqlite_graph.MIGRATIONS,
        *sqlite_timelines.MIGRATIONS,
        *sqlite_notifications.MIGRATIONS,
    ]
    pg = container.ports.get("postgres")
    statuses: Any
    interaction_store: Any
    conversation_mutes: Any
    if pg is not None:  # production: statuses and interactions in PostgreSQL, their own outbox
        from rookery.workloads.adapters.postgres import statuses as pg_statuses
        from rookery.workloads.adapters.postgres.conversation_mutes import PostgresConversationMuteStore

        pg_outbox = container.ports["postgres_outbox"]
        statuses = pg_statuses.PostgresStatusRepository(pg, pg_outbox)
        interaction_store = pg_statuses.PostgresInteractionStore(pg, pg_outbox)
        conversation_mutes = PostgresConversationMuteStore(pg)
    else:
        from rookery.workloads.adapters.sqlite.conversation_mutes import SqliteConversationMuteStore

        statuses = sqlite_statuses.SqliteStatusRepository(db, outbox)
        interaction_store = sqlite_interactions.SqliteInteractionStore(db, outbox)
        conversation_mutes = SqliteConversationMuteStore(db)
    graph_store: Any
    timelines: Any
    notification_store: Any
    if "cassandra" in container.ports:  # production: graph, home timelines, notifications
        graph_store, timelines, notification_store = _cassandra_stores(container)
    else:
        graph_store = sqlite_graph.SqliteGraphStore(db, outbox)
        timelines = sqlite_timelines.SqliteTimelineStore(db, settings.home_timeline_max)
        notification_store = sqlite_notifications.SqliteNotificationStore(db)
    container.ports.update(
        statuses=statuses,
        interactions=interaction_store,
        conversation_mutes=conversation_mutes,
        graph=graph_store,
        timelines=timelines,
        notifications=notification_store,
    )

    if "accounts" not in container.services:  # a split role still reads accounts (their store)
        _accounts(container)
    accounts = container.services["accounts"]
    posts = PostsService(
        statuses, graph_store, accounts, cache, base_url=settings.base_url, tenant=settings.tenant
    )
    interactions = InteractionsService(posts, interaction_store, conversation_mutes)
    feed = FeedService(timelines, statuses, interaction_store, graph_store, posts)
    notifications = NotificationsService(notification_store, graph_store, posts)
    account_views = container.services["account_views"]
    status_views = StatusViews(statuses, interactions, account_views, cache, settings.base_url)
    container.services.update(
        posts=posts,
        interactions=interactions,
        graph=GraphService(graph_store, accounts, tenant=settings.tenant),
        feed=feed,
        notifications=notifications,
        status_views=status_views,
    )

    async def link_media() -> None:  # the media section may be built after this one
        posts.media = status_views.media = container.services.get("media")

    container.starters.append(link_media)

    async def close_readers() -> None:  # the embedded stores' inline read connections
        for store in (statuses, interaction_store, graph_store, timelines):
            reader = getattr(store, "reader", None)
            if reader is not None:
                reader.close()

    container.stoppers.append(close_readers)
    bus = container.ports["bus"]
    if "feed" in container.roles:
        fanout = FanoutWorker(timelines, graph_store, statuses, accounts, threshold=settings.fanout_threshold)
        fanout.subscribe(bus)
    if "notifications" in container.roles:
        NotifyWorker(notifications, notification_store, statuses, conversation_mutes).subscribe(bus)


# -------------------------------------------------------------------------------------------
# events fallback: the posts/feed sections normally build the bus and the outbox relay first
# -------------------------------------------------------------------------------------------


def _ensure_events(container: Container) -> None:
    if "bus" in container.ports and "outbox" in container.ports:
        return
    from rookery.workloads.adapters.sqlite import eventlog as sqlite_eventlog
    from rookery.workloads.adapters.sqlite import outbox as sqlite_outbox
    from rookery.workloads.workers.outbox_relay import OutboxRelay

    db: Database = container.ports["db"]
    container.migrations += [*sqlite_outbox.MIGRATIONS, *sqlite_eventlog.MIGRATIONS]
    bus = container.ports.get("bus")  # the Kafka bus, when the production section set one
    if bus is None:
        bus = sqlite_eventlog.SqliteEventBus(db)
        container.ports["bus"] = bus
        container.starters.append(bus.start)
        container.stoppers.append(bus.stop)
    outbox = sqlite_outbox.SqliteOutbox(db)
    relay = OutboxRelay(outbox, bus)
    container.ports["outbox"] = outbox
    container.starters.append(relay.start)
    container.stoppers.append(relay.stop)


# -------------------------------------------------------------------------------------------
# Cassandra (ROOKERY_CASSANDRA_CONTACT_POINTS): the graph, home timelines and notifications of
# the social section. The schema is applied by `rookery migrate` (adapters/cassandra/migrations).
# Graph changes have no transaction to share with an outbox: their events go to the posts
# store's outbox (PostgreSQL when configured, else the embedded one) right after the write.
# -------------------------------------------------------------------------------------------


def _cassandra(container: Container) -> None:
    settings = container.settings
    if not settings.cassandra_contact_points:
        return
    from rookery.workloads.adapters.cassandra.session import CassandraSession

    session = CassandraSession(
        settings.cassandra_contact_points,
        settings.cassandra_keyspace,
        local_dc=settings.cassandra_local_dc,
        read_consistency=settings.cassandra_read_consistency,
        write_consistency=settings.cassandra_write_consistency,
        request_timeout_s=settings.cassandra_request_timeout_s,
        connect_timeout_s=settings.cassandra_request_timeout_s,
    )
    container.ports["cassandra"] = session
    container.starters.append(session.connect)
    container.stoppers.append(session.close)


def _cassandra_stores(container: Container) -> tuple[Any, Any, Any]:
    from rookery.workloads.adapters.cassandra.graph import CassandraGraphStore
    from rookery.workloads.adapters.cassandra.notifications import CassandraNotificationStore
    from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore

    settings = container.settings
    session = container.ports["cassandra"]
    append_events = _cassandra_events(container)
    ttl_s = settings.cassandra_timeline_ttl_s
    timelines: Any = CassandraTimelineStore(session, settings.home_timeline_max, ttl_s)
    if "hot_timelines" in container.ports:  # Redis in front: the newest entries of each home timeline
        from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore

        timelines = HotColdTimelineStore(container.ports["hot_timelines"], timelines)
    return (
        CassandraGraphStore(session, append_events),
        timelines,
        CassandraNotificationStore(session, settings.cassandra_notification_ttl_s),
    )


def _cassandra_events(container: Container) -> Callable[[Any], Awaitable[None]]:
    """Appends events to the posts store's outbox (PostgreSQL, else embedded) in their own transaction."""
    pg, pg_outbox = container.ports.get("postgres"), container.ports.get("postgres_outbox")
    outbox = container.ports["outbox"]

    async def append_events(events: Any) -> None:
        if pg is not None and pg_outbox is not None:
            async with pg.transaction() as conn:
                await pg_outbox.append(conn, events)
            pg_outbox.notify()
        else:
            async with container.ports["db"].transaction() as tx:
                await outbox.append(tx, events)
            outbox.notify()

    return append_events


def _cassandra_message_store(container: Container) -> Any:
    from rookery.workloads.adapters.cassandra.messaging import CassandraMessageStore

    return CassandraMessageStore(container.ports["cassandra"], _cassandra_events(container))


# -------------------------------------------------------------------------------------------
# Keycloak mode (ROOKERY_OIDC_ISSUER + ROOKERY_OIDC_CLIENT_ID/SECRET): registration creates the
# user in Keycloak, /oauth/token is Keycloak's (reshaped), accounts are linked by `sub`.
# With only ROOKERY_OIDC_ISSUER set, Keycloak's tokens are validated and nothing else changes.
# -------------------------------------------------------------------------------------------


def _keycloak(container: Container) -> None:
    settings = container.settings
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return
    from rookery.workloads.adapters.keycloak.client import KeycloakClient
    from rookery.workloads.services.keycloak_mode import KeycloakMode

    client = KeycloakClient(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret)
    validator = container.services["tokens"]
    mode = KeycloakMode(
        client,
        container.services["oauth"],
        container.ports["accounts"],
        container.ports["oauth"],
        validator,
        settings.account_domain,
        container.services["accounts"].account_for_external_subject,
    )
    validator.grant_resolver = mode.grant
    validator.subject_resolver = mode.account_for
    container.services["keycloak"] = mode
    container.stoppers.append(client.close)


# -------------------------------------------------------------------------------------------
# media role: uploads, processing (media worker), the local file store served at /system/media
# -------------------------------------------------------------------------------------------


def _media(container: Container) -> None:
    import datetime as dt

    from rookery.workloads.adapters.local.media import LocalMediaStore
    from rookery.workloads.adapters.sqlite import media as sqlite_media
    from rookery.workloads.services.imaging import Limits
    from rookery.workloads.services.media import MediaService
    from rookery.workloads.workers import media as media_worker

    settings = container.settings
    _ensure_events(container)
    db: Database = container.ports["db"]
    store = container.ports.get("media_store")  # a production adapter (Cloudinary) may be set already
    if store is None:
        store = LocalMediaStore(settings.data_dir / "media", settings.base_url)
        container.ports["media_store"] = store
    repo: Any
    if "postgres" in container.ports:  # production: attachment records in PostgreSQL
        from rookery.workloads.adapters.postgres.media import PostgresMediaRepository

        repo = PostgresMediaRepository(container.ports["postgres"], container.ports["postgres_outbox"])
    else:
        container.migrations += [*sqlite_media.MIGRATIONS]
        repo = sqlite_media.SqliteMediaRepository(db, container.ports["outbox"])
    container.ports["media"] = repo
    limits = Limits(
        max_image_bytes=settings.media_max_image_bytes,
        max_video_bytes=settings.media_max_video_bytes,
        max_pixels=settings.media_max_pixels,
        small_size=settings.media_small_size,
    )
    service = MediaService(
        repo,
        store,
        limits,
        tenant=settings.tenant,
        threads=settings.media_threads,
        locks=container.ports["locks"],
    )
    container.services["media"] = service
    media_worker.register(container.ports["bus"], service)
    sweeper = media_worker.OrphanSweeper(
        service,
        container.ports["locks"],
        max_age=dt.timedelta(hours=settings.media_orphan_max_age_h),
        interval_s=settings.media_orphan_sweep_s,
    )
    container.starters.append(sweeper.start)
    container.stoppers.append(sweeper.stop)

    async def stop() -> None:
        service.close()

    container.stoppers.insert(0, stop)  # after the bus stopped delivering uploads to it


# -------------------------------------------------------------------------------------------
# messaging role: chats (members, messages, read markers), delivered on the realtime port
# -------------------------------------------------------------------------------------------


def _messaging(container: Container) -> None:
    from rookery.workloads.adapters.sqlite import messaging as sqlite_messaging
    from rookery.workloads.services.messaging import MessagingService
    from rookery.workloads.views.chats import ChatRenderer

    _ensure_events(container)
    db: Database = container.ports["db"]
    container.migrations += [*sqlite_messaging.MIGRATIONS]
    store: Any
    if "cassandra" in container.ports:  # production: chats on Cassandra (ROOKERY_CASSANDRA_CONTACT_POINTS)
        store = _cassandra_message_store(container)
    else:
        store = sqlite_messaging.SqliteMessageStore(db, container.ports["outbox"])
    container.ports["messages"] = store
    service = MessagingService(
        store,
        container.ports["accounts"],
        container.ports.get("graph"),  # blocks; None only when the graph role is not in this process
        container.ports.get("realtime"),
        tenant=container.settings.tenant,
    )
    if "account_views" in container.services:
        service.render_message = ChatRenderer(container.services["account_views"]).message
    container.services["messaging"] = service

    async def link_realtime() -> None:  # a later section (streaming) may set the realtime port
        service.realtime = container.ports.get("realtime")

    container.starters.append(link_realtime)


# -------------------------------------------------------------------------------------------
# push: Web Push subscriptions and delivery channels (notifications role); e-mail, APNs, FCM
# -------------------------------------------------------------------------------------------


def _push(container: Container) -> None:
    from rookery.workloads.adapters.local.email import LoggingEmailSender, SmtpEmailSender
    from rookery.workloads.adapters.local.push import LoggingPushSender, VapidKeys, WebPushSender
    from rookery.workloads.adapters.sqlite import push as sqlite_push
    from rookery.workloads.services.push import PublishingNotificationStore, PushService
    from rookery.workloads.workers import push as push_worker

    settings = container.settings
    _ensure_events(container)
    db: Database = container.ports["db"]
    bus = container.ports["bus"]
    store: Any
    if "postgres" in container.ports:  # production: subscriptions in PostgreSQL
        from rookery.workloads.adapters.postgres.push import PostgresPushSubscriptionStore

        store = PostgresPushSubscriptionStore(container.ports["postgres"])
    else:
        container.migrations += [*sqlite_push.MIGRATIONS]
        store = sqlite_push.SqlitePushSubscriptionStore(db)
    keys = VapidKeys(settings.data_dir / "keys")
    web_push = WebPushSender(
        keys,
        settings.push_contact or f"mailto:{settings.contact_email}",
        timeout_s=settings.push_timeout_s,
        allow_private=settings.push_allow_private_endpoints,
    )
    container.ports.update(
        push_subscriptions=store,
        web_push=web_push,
        apns=LoggingPushSender("APNs"),
        fcm=LoggingPushSender("FCM"),
        email=(
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
        ),
    )
    service = PushService(
        store,
        web_push,
        keys.public_key,
        container.ports["accounts"],
        graph=container.ports.get("graph"),
        statuses=container.ports.get("statuses"),
        allow_private_endpoints=settings.push_allow_private_endpoints,
    )
    container.services["push"] = service
    notifications = container.services.get("notifications")
    if notifications is not None:  # announce stored notifications on the notifications stream
        notifications.store = PublishingNotificationStore(notifications.store, bus, settings.tenant)
    push_worker.register(bus, service)
    container.stoppers.insert(0, web_push.close)


# -------------------------------------------------------------------------------------------
# streaming, direct conversations, search
#   search role: SearchIndex = SQLite FTS5, or OpenSearch / Elasticsearch by ROOKERY_SEARCH_URL
#     (+ ROOKERY_SEARCH_ENGINE); accounts indexed as written, statuses by the "index" consumer
#   posts role: conversations (SQLite, or PostgreSQL by ROOKERY_POSTGRES_DSN) maintained by the
#     "conversations" consumer
#   streaming: the "streaming" consumer renders and publishes on the Realtime port; the gateway
#     role's hub (one realtime listener per process) serves the sockets
# -------------------------------------------------------------------------------------------


def _streaming_conversations_search(container: Container) -> None:
    roles = set(container.roles)
    if "search" in roles:
        _search(container)
    bus = container.ports.get("bus")
    realtime = container.ports.get("realtime")
    views = container.services.get("status_views")
    if "posts" in roles and views is not None and bus is not None:
        from rookery.workloads.adapters.sqlite import conversations as sqlite_conversations
        from rookery.workloads.services.conversations import ConversationsService
        from rookery.workloads.views.conversations import ConversationViews
        from rookery.workloads.workers.conversations import ConversationsWorker

        store: Any
        if container.ports.get("postgres") is not None:  # production: migration 0006
            from rookery.workloads.adapters.postgres.conversations import PostgresConversationStore

            store = PostgresConversationStore(container.ports["postgres"])
        else:
            container.migrations += [*sqlite_conversations.MIGRATIONS]
            store = sqlite_conversations.SqliteConversationStore(container.ports["db"])
        container.ports["conversations"] = store
        conversations = ConversationsService(store, realtime)
        conversation_views = ConversationViews(container.services["account_views"], views)
        conversations.render = conversation_views.one
        container.services.update(conversations=conversations, conversation_views=conversation_views)
        ConversationsWorker(conversations).subscribe(bus)
    if realtime is None:
        return
    if "gateway" in roles:
        from rookery.workloads.services.streaming import StreamHub

        hub = StreamHub(realtime, container.ports.get("graph"))
        hub.lists = container.ports.get("lists")
        container.services["streaming_hub"] = hub
        container.starters.append(hub.start)
        container.stoppers.append(hub.stop)  # stops before the stores it filters with
    if views is not None and bus is not None and "statuses" in container.ports:
        from rookery.workloads.views.social import render_notifications
        from rookery.workloads.workers.streaming import StreamingPublisher

        account_views = container.services["account_views"]

        async def render_status(status_id: int) -> dict[str, Any] | None:
            rendered = await views.render([status_id], None)
            return rendered[0] if rendered else None

        async def render_notification(notification: Any) -> dict[str, Any] | None:
            owner = notification.account_id
            rendered = await render_notifications([notification], owner, account_views, views)
            return rendered[0] if rendered else None

        lists = container.services.get("lists")
        StreamingPublisher(
            realtime,
            container.ports["statuses"],
            container.ports["graph"],
            container.ports.get("notifications"),
            render_status,
            render_notification,
            lists=lists.receiving if lists is not None else None,
        ).subscribe(bus)


def _search(container: Container) -> None:
    import logging

    from rookery.workloads.ports import StoreUnavailable
    from rookery.workloads.services.search import IndexedAccountRepository, SearchService

    log = logging.getLogger("rookery.search")

    settings = container.settings
    index: Any
    if settings.search_url:
        engine = settings.search_engine.lower()
        if engine == "elasticsearch":
            from rookery.workloads.adapters.search.elasticsearch import ElasticsearchIndex

            index = ElasticsearchIndex(
                settings.search_url,
                settings.tenant,
                refresh=settings.search_refresh,
                timeout_s=settings.search_timeout_s,
            )
        else:
            from rookery.workloads.adapters.search.opensearch import OpenSearchIndex

            index = OpenSearchIndex(
                settings.search_url,
                settings.tenant,
                refresh=settings.search_refresh,
                timeout_s=settings.search_timeout_s,
            )

        async def setup_search() -> None:  # a cluster that is away must not stop the process
            try:
                await index.setup()
            except StoreUnavailable as exc:
                log.warning("search cluster unavailable at start (set up on first use): %s", exc)

        container.starters.append(setup_search)
    else:
        from rookery.workloads.adapters.sqlite import search as sqlite_search

        container.migrations += [*sqlite_search.MIGRATIONS]
        index = sqlite_search.SqliteSearchIndex(container.ports["db"])
    container.stoppers.append(index.close)
    container.ports["search_index"] = index
    tag_follows: Any
    if container.ports.get("postgres") is not None:  # production: migration 0016
        from rookery.workloads.adapters.postgres.tags import PostgresTagFollowStore

        tag_follows = PostgresTagFollowStore(container.ports["postgres"])
    else:
        from rookery.workloads.adapters.sqlite import tags as sqlite_tags

        container.migrations += [*sqlite_tags.MIGRATIONS]
        tag_follows = sqlite_tags.SqliteTagFollowStore(container.ports["db"])
    container.ports["tag_follows"] = tag_follows
    search = SearchService(index, container.ports.get("graph"), container.services.get("posts"), tag_follows)
    container.services["search"] = search
    accounts = container.services.get("accounts")
    if accounts is not None:
        accounts.repo = IndexedAccountRepository(accounts.repo, search)
    bus = container.ports.get("bus")
    if bus is not None and "statuses" in container.ports and "accounts" in container.ports:
        from rookery.workloads.workers.index import IndexWorker

        IndexWorker(search, container.ports["statuses"], container.ports["accounts"]).subscribe(bus)


# -------------------------------------------------------------------------------------------
# admin + analytics roles and the AI layer (README "Moderation, trends and the AI layer")
#   moderation store: SQLite, or PostgreSQL by ROOKERY_POSTGRES_DSN (migration 0010)
#   trend store: SQLite, or Redis by ROOKERY_REDIS_URL (sorted sets per hourly bucket)
#   ModelClient: HttpModelClient when ROOKERY_INFERENCE_URL / ROOKERY_MODEL_ENDPOINT_* are set,
#     else the process-wide InProcessModelClient
#   consumers: "moderation" (posts), "analytics" (posts, interactions, graph -> analytics stream),
#     "trends" (analytics: aggregator + anomaly watcher)
# -------------------------------------------------------------------------------------------


def _model_client(container: Container) -> Any:
    from rookery.workloads.adapters.inference import HttpModelClient, InferenceClientSettings

    settings = container.settings
    inference = InferenceClientSettings()
    if settings.inference_url:
        inference = InferenceClientSettings(inference_url=settings.inference_url)
    if inference.endpoints():
        client = HttpModelClient.from_settings(inference)
        container.stoppers.append(client.aclose)
        return client
    return _inprocess_models()


@functools.lru_cache(maxsize=1)
def _inprocess_models() -> Any:
    """One per process: the models load once, whatever the number of containers."""
    from rookery.workloads.adapters.inference import InProcessModelClient

    return InProcessModelClient()


def _moderation_analytics_ai(container: Container) -> None:
    roles = set(container.roles)
    posts = container.services.get("posts")
    if not roles & {"admin", "analytics"} or posts is None or "accounts" not in container.services:
        return
    from rookery.workloads.domain.analytics import TrendWindow
    from rookery.workloads.services.analytics import AnalyticsService
    from rookery.workloads.services.moderation import ModerationService
    from rookery.workloads.workers.analytics import AnalyticsForwarder, TrendAggregator
    from rookery.workloads.workers.anomaly import AnomalyWatcher
    from rookery.workloads.workers.moderation import ModerationWorker

    settings = container.settings
    db: Database = container.ports["db"]
    store: Any
    if "postgres" in container.ports:
        from rookery.workloads.adapters.postgres.moderation import PostgresModerationStore

        store = PostgresModerationStore(container.ports["postgres"])
    else:
        from rookery.workloads.adapters.sqlite import moderation as sqlite_moderation

        container.migrations += [*sqlite_moderation.MIGRATIONS]
        store = sqlite_moderation.SqliteModerationStore(db)
    trends: Any
    if "redis" in container.ports:
        from rookery.workloads.adapters.redis.trends import RedisTrendStore

        trends = RedisTrendStore(container.ports["redis"], settings.tenant)
    else:
        from rookery.workloads.adapters.sqlite import analytics as sqlite_analytics

        container.migrations += [*sqlite_analytics.MIGRATIONS]
        trends = sqlite_analytics.SqliteTrendStore(db)
    container.ports.update(moderation=store, trends=trends)
    search = container.services.get("search")
    moderation = ModerationService(
        store,
        container.services["accounts"],
        posts,
        container.ports.get("timelines"),
        counters=trends,
        search=search,
        refresh_s=settings.moderation_refresh_s,
    )
    window = TrendWindow(settings.trends_window_hours, settings.trends_half_life_hours)
    stats = AnalyticsService(trends, container.ports["statuses"], window, moderation.filter)
    posts.moderation = moderation.filter
    container.services.update(moderation=moderation, analytics=stats)
    container.starters.append(moderation.start)
    container.stoppers.append(moderation.stop)
    accounts = container.services["accounts"]
    accounts.repo = _TrackedAccounts(accounts.repo, store, stats)

    client = _model_client(container)
    container.ports["models"] = client
    bus = container.ports.get("bus")
    if bus is not None:
        anomaly = AnomalyWatcher(client, stats, moderation, settings.anomaly_every_events)
        AnalyticsForwarder(stats, bus, settings.tenant).subscribe(bus)
        TrendAggregator(stats, anomaly.on_account).subscribe(bus)
        if settings.moderation_enabled:
            cache = container.ports["cache"]
            worker = ModerationWorker(client, container.ports["statuses"], moderation, cache)
            container.services["moderation_worker"] = worker
            worker.subscribe(bus)
    feed = container.services.get("feed")
    if settings.ranking_enabled and feed is not None:
        from rookery.workloads.services.ranking import RankingService

        feed.ranker = RankingService(
            client, container.ports["statuses"], settings.ranking_timeout_s, container.ports["cache"]
        )


class _TrackedAccounts:
    """The account repository as the admin role sees it: a new account is known to the admin
    accounts list and counted as a sign-up (the same decorator shape as search's)."""

    def __init__(self, inner: Any, store: Any, stats: Any) -> None:
        self._inner = inner
        self._store = store
        self._stats = stats

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def create(self, account: Any) -> None:
        await self._inner.create(account)
        await self._store.track_account(account.id)
        await self._stats.sign_up(account.created_at)


# -------------------------------------------------------------------------------------------
# lists (feed role): Mastodon lists, their members and timelines (merged on read)
#   store: SQLite, or PostgreSQL by ROOKERY_POSTGRES_DSN (migration 0020)
#   consumer "lists" (graph stream): an unfollow or a block takes the account out of the lists
#   the `list` stream: the streaming publisher asks ListsService.receiving which lists a status enters
# -------------------------------------------------------------------------------------------


def _lists(container: Container) -> None:
    if "feed" not in container.roles or "feed" not in container.services:
        return
    from rookery.workloads.services.lists import ListsService
    from rookery.workloads.workers.lists import ListsWorker

    store: Any
    if container.ports.get("postgres") is not None:
        from rookery.workloads.adapters.postgres.lists import PostgresListStore

        store = PostgresListStore(container.ports["postgres"])
    else:
        from rookery.workloads.adapters.sqlite import lists as sqlite_lists

        container.migrations += [*sqlite_lists.MIGRATIONS]
        store = sqlite_lists.SqliteListStore(container.ports["db"])
    container.ports["lists"] = store
    service = ListsService(
        store,
        container.ports["graph"],
        container.services["accounts"],
        container.ports["statuses"],
        container.services["posts"],
    )
    container.services["lists"] = service
    ListsWorker(service).subscribe(container.ports["bus"])
