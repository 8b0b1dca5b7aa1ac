"""Shared infrastructure, chosen from Settings alone (with stores.py, the only place adapters are chosen):

  ROOKERY_REDIS_URL        -> cache, rate limiter, locks, idempotency keys, realtime pub/sub,
                              hot timelines, processed-event dedupe of the Kafka bus, the
                              process's id node
  ROOKERY_KAFKA_BOOTSTRAP  -> the event bus (the outbox relays publish to Kafka)
  ROOKERY_CLOUDINARY_URL   -> the media store
  ROOKERY_POSTGRES_DSN     -> the PostgreSQL pool and its outbox (schema applied by `rookery migrate`)
  ROOKERY_CASSANDRA_CONTACT_POINTS -> the Cassandra session (schema applied by `rookery migrate`)
  ROOKERY_OIDC_ISSUER      -> tokens validated against that issuer's JWKS, else the embedded keys
Unset, each keeps its embedded adapter: in-memory edge ports, the SQLite file, the event log.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from rookery.workloads import ids
from rookery.workloads.adapters.sqlite.db import Database
from rookery.workloads.bootstrap.container import Events, Infrastructure, Lifecycle
from rookery.workloads.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from rookery.workloads.adapters.cassandra.session import CassandraSession
    from rookery.workloads.adapters.kafka.bus import KafkaEventBus
    from rookery.workloads.adapters.local.keys import SigningKeys
    from rookery.workloads.adapters.local.push import VapidKeys
    from rookery.workloads.adapters.postgres.db import PostgresDatabase
    from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
    from rookery.workloads.adapters.redis.dedupe import ProcessedEvents
    from rookery.workloads.ports.accounts import JwksSource
    from rookery.workloads.ports.edge import Cache, EntityCache, IdempotencyStore, LockManager, RateLimiter, Realtime
    from rookery.workloads.ports.events import EventBus, Outbox
    from rookery.workloads.ports.feed import TimelineStore
    from rookery.workloads.ports.inference import ModelClient
    from rookery.workloads.ports.media import MediaStore


def infrastructure(settings: Settings, life: Lifecycle) -> Infrastructure:
    """Edge ports (Redis or in-memory), Kafka, Cloudinary, PostgreSQL, Cassandra and the embedded
    database, in that order of start (and reverse order of stop)."""
    cache: Cache
    entities: EntityCache
    rate_limiter: RateLimiter
    locks: LockManager
    idempotency: IdempotencyStore
    realtime: Realtime
    redis: Redis | None = None
    hot_timelines: TimelineStore | None = None
    processed_events: ProcessedEvents | None = None
    if settings.redis_url:
        from rookery.workloads.adapters.redis.cache import RedisCache
        from rookery.workloads.adapters.redis.dedupe import ProcessedEvents
        from rookery.workloads.adapters.redis.entities import RedisEntityCache
        from rookery.workloads.adapters.redis.id_nodes import IdNodeLease
        from rookery.workloads.adapters.redis.idempotency import RedisIdempotencyStore
        from rookery.workloads.adapters.redis.keys import connect
        from rookery.workloads.adapters.redis.locks import RedisLockManager
        from rookery.workloads.adapters.redis.ratelimit import RedisRateLimiter
        from rookery.workloads.adapters.redis.realtime import RedisRealtime
        from rookery.workloads.adapters.redis.timelines import RedisTimelineStore

        if settings.redis_cluster and settings.redis_replica_acks:
            raise ConfigurationError("ROOKERY_REDIS_MIN_REPLICA_ACKS is not for ROOKERY_REDIS_CLUSTER")
        redis = connect(
            settings.redis_url, cluster=settings.redis_cluster, max_connections=settings.redis_max_connections
        )
        tenant = settings.tenant
        cache = RedisCache(redis, tenant)
        entities = RedisEntityCache(redis, tenant)
        rate_limiter = RedisRateLimiter(redis, tenant)
        locks = RedisLockManager(redis, tenant)
        idempotency = RedisIdempotencyStore(redis, tenant)
        realtime = RedisRealtime(redis, tenant)
        # a TimelineStore on Redis (bounded, Mastodon-style home feeds) in front of the durable one
        hot_timelines = RedisTimelineStore(
            redis,
            tenant,
            settings.home_timeline_max,
            min_replica_acks=settings.redis_replica_acks,
            replica_ack_timeout_ms=settings.redis_replica_ack_timeout_ms,
        )
        processed_events = ProcessedEvents(redis, tenant)
        if settings.redis_cluster:  # learn the slot map up front: a lazy first one races under load
            life.starters.append(redis.initialize)
        life.stoppers.append(redis.aclose)
        # ids issued by several processes of the tenant must differ: each holds a node of its own
        # (before anything it starts issues one; given back before the client closes)
        lease = IdNodeLease(redis, tenant, ids.generator())
        life.starters.append(lease.start)
        life.stoppers.append(lease.stop)
    else:
        from rookery.workloads.adapters.memory.cache import MemoryCache
        from rookery.workloads.adapters.memory.entities import MemoryEntityCache
        from rookery.workloads.adapters.memory.idempotency import MemoryIdempotencyStore
        from rookery.workloads.adapters.memory.locks import MemoryLockManager
        from rookery.workloads.adapters.memory.ratelimit import MemoryRateLimiter
        from rookery.workloads.adapters.memory.realtime import MemoryRealtime

        cache = MemoryCache(settings.cache_max_entries)
        entities = MemoryEntityCache(settings.cache_max_entries)
        rate_limiter = MemoryRateLimiter()
        locks = MemoryLockManager()
        idempotency = MemoryIdempotencyStore()
        realtime = MemoryRealtime()  # in-process pub/sub
    kafka = _kafka(settings, life, processed_events)
    media_store = _cloudinary(settings, life)
    postgres, postgres_outbox = _postgres(settings, life)
    cassandra = _cassandra(settings, life)
    # every store on its production adapter: nothing durable is left for SQLite, keep it in memory
    db = Database(settings.data_dir / "rookery.db" if settings.embedded_database_file else ":memory:")

    async def start() -> None:
        await db.connect()
        await db.migrate(life.migrations)

    life.starters.append(start)
    life.stoppers.append(db.close)
    return Infrastructure(
        cache=cache,
        entities=entities,
        rate_limiter=rate_limiter,
        locks=locks,
        idempotency=idempotency,
        realtime=realtime,
        db=db,
        signing_keys=_signing_keys(settings),
        redis=redis,
        hot_timelines=hot_timelines,
        processed_events=processed_events,
        kafka=kafka,
        postgres=postgres,
        postgres_outbox=postgres_outbox,
        cassandra=cassandra,
        media_store=media_store,
    )


def _signing_keys(settings: Settings) -> SigningKeys | None:
    """The embedded issuer's keys: ROOKERY_SIGNING_KEYS, else (embedded only) DATA_DIR/keys; none when
    an external issuer (Keycloak) signs the tokens."""
    if settings.oidc_issuer:
        return None
    return issuer_keys(settings)


def issuer_keys(settings: Settings) -> SigningKeys:
    """The keys the embedded issuer signs with. With shared stores they must come from the settings
    (every replica signs and verifies alike); in Keycloak mode, whose tokens the issuer never signs,
    a process-lifetime key stands in when none is set."""
    from rookery.workloads.adapters.local.keys import InvalidKey, LocalSigningKeys, SigningKeys

    if settings.signing_keys:
        try:
            return SigningKeys.from_pem_bundle(settings.signing_keys)
        except InvalidKey as exc:
            raise ConfigurationError(str(exc)) from None
    if settings.shared:
        if settings.oidc_issuer:
            return SigningKeys.ephemeral()
        raise ConfigurationError(
            "ROOKERY_SIGNING_KEYS is not set: with ROOKERY_POSTGRES_DSN every replica must sign and verify"
            " tokens with the same keys, so they come from the settings (the operator's <tenant>-keys"
            " Secret), not from a data directory; set ROOKERY_SIGNING_KEYS to one or more PEM RSA private"
            " keys (docs/key-rotation.md), or ROOKERY_OIDC_ISSUER to use an external issuer"
        )
    return LocalSigningKeys(settings.data_dir / "keys")


def vapid_keys(settings: Settings) -> VapidKeys:
    """The Web Push key: ROOKERY_VAPID_PRIVATE_KEY, else (embedded only) DATA_DIR/keys."""
    from rookery.workloads.adapters.local.keys import InvalidKey
    from rookery.workloads.adapters.local.push import VapidKeys

    if settings.vapid_private_key:
        try:
            return VapidKeys(private_key=settings.vapid_private_key)
        except InvalidKey as exc:
            raise ConfigurationError(str(exc)) from None
    if settings.shared:
        raise ConfigurationError(
            "ROOKERY_VAPID_PRIVATE_KEY is not set: with ROOKERY_POSTGRES_DSN every replica must push with"
            " the same Web Push key (the one clients subscribed with), so it comes from the settings (the"
            " operator's <tenant>-keys Secret); set it to a P-256 private key in PEM (docs/key-rotation.md)"
        )
    return VapidKeys(settings.data_dir / "keys")


def jwks_source(settings: Settings, infra: Infrastructure) -> tuple[JwksSource, str]:
    """Where the validator reads the issuer's keys, and the issuer it expects."""
    if infra.signing_keys is None:
        from rookery.workloads.adapters.oidc.jwks import HttpJwksSource

        assert settings.oidc_issuer
        return HttpJwksSource(settings.oidc_issuer), settings.oidc_issuer
    from rookery.workloads.adapters.local.keys import LocalJwksSource

    return LocalJwksSource(infra.signing_keys), settings.base_url


def _kafka(settings: Settings, life: Lifecycle, dedupe: ProcessedEvents | None) -> KafkaEventBus | None:
    if not settings.kafka_bootstrap:
        return None
    from rookery.workloads.adapters.kafka.bus import KafkaEventBus

    bus = KafkaEventBus(
        settings.kafka_bootstrap,
        settings.tenant,
        max_attempts=settings.kafka_max_attempts,
        backoff_s=settings.kafka_retry_backoff_s,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        fetch_min_bytes=settings.kafka_fetch_min_bytes,
        create_topics=settings.kafka_create_topics,
        partitions=settings.kafka_partitions,
        replication=settings.kafka_replication_factor,
        client_id=f"rookery-{settings.tenant}",
        dedupe=dedupe,
    )
    life.stoppers.append(bus.stop)  # registered first: stops last, after the outbox relay
    return bus


def _cloudinary(settings: Settings, life: Lifecycle) -> MediaStore | None:
    if not settings.cloudinary_url:
        return None
    from rookery.workloads.adapters.cloudinary.media import CloudinaryMediaStore

    store = CloudinaryMediaStore.from_url(
        settings.cloudinary_url,
        folder=settings.cloudinary_folder,
        upload_prefix=settings.cloudinary_upload_prefix,
    )
    life.stoppers.append(store.close)
    return store


def _postgres(settings: Settings, life: Lifecycle) -> tuple[PostgresDatabase | None, PostgresOutbox | None]:
    """PostgreSQL (ROOKERY_POSTGRES_DSN): accounts, OAuth, markers, statuses, interactions and their
    outbox, and the other stores with a PostgreSQL adapter. Graph, timelines and notifications keep
    their own setting (ROOKERY_CASSANDRA_CONTACT_POINTS)."""
    if not settings.postgres_dsn:
        return None, None
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
    life.starters.append(db.connect)
    life.stoppers.append(db.close)
    life.stoppers.append(outbox.close)
    return db, outbox


def _cassandra(settings: Settings, life: Lifecycle) -> CassandraSession | None:
    if not settings.cassandra_contact_points:
        return None
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
    life.starters.append(session.connect)
    life.stoppers.append(session.close)
    return session


def events(infra: Infrastructure, life: Lifecycle, *, relay_postgres: bool) -> Events:
    """The bus (Kafka, else the embedded event log) and the embedded outbox with its relay, for the
    roles that publish events (posts, graph, feed, notifications, media, messaging).
    ``relay_postgres``: a store of this process writes to the PostgreSQL outbox (statuses, media),
    relayed by ``postgres_relay`` once every role is wired."""
    from rookery.workloads.adapters.sqlite import eventlog as sqlite_eventlog
    from rookery.workloads.adapters.sqlite import outbox as sqlite_outbox
    from rookery.workloads.workers.outbox_relay import OutboxRelay

    life.migrations += [*sqlite_outbox.MIGRATIONS, *sqlite_eventlog.MIGRATIONS]
    bus: EventBus
    if infra.kafka is not None:
        bus = infra.kafka
    else:
        eventlog = sqlite_eventlog.SqliteEventBus(infra.db)
        life.starters.append(eventlog.start)
        life.stoppers.append(eventlog.stop)
        bus = eventlog
    outbox = sqlite_outbox.SqliteOutbox(infra.db)
    relay = OutboxRelay(outbox, bus)
    life.starters.append(relay.start)
    life.stoppers.append(relay.stop)
    outboxes: list[Outbox] = [outbox]
    if relay_postgres and infra.postgres_outbox is not None:
        outboxes.append(infra.postgres_outbox)
    return Events(bus=bus, outbox=outbox, outboxes=outboxes)


def postgres_relay(infra: Infrastructure, events: Events, life: Lifecycle) -> None:
    """Relay the PostgreSQL outbox to the bus (Kafka in production) when a store writes to it."""
    if infra.postgres_outbox is None or infra.postgres_outbox not in events.outboxes:
        return
    from rookery.workloads.workers.outbox_relay import ClaimingOutboxRelay

    relay = ClaimingOutboxRelay(infra.postgres_outbox, events.bus)
    life.starters.append(relay.start)
    life.stoppers.append(relay.stop)


def start_kafka_last(infra: Infrastructure, life: Lifecycle) -> None:
    """Kafka consumers start once every store they call is up, and stop FIRST, while every store the
    handlers use is still open (a handler running against a closed database would dead-letter the
    event); unpublished outbox rows stay in the outbox and are relayed on the next start."""
    if infra.kafka is None:
        return
    life.starters.append(infra.kafka.start)
    life.stoppers.remove(infra.kafka.stop)
    life.stoppers.append(infra.kafka.stop)


def model_client(settings: Settings, life: Lifecycle) -> ModelClient:
    """HttpModelClient when ROOKERY_INFERENCE_URL / ROOKERY_MODEL_ENDPOINT_* are set, else the
    process-wide InProcessModelClient."""
    from rookery.workloads.adapters.inference import HttpModelClient, InferenceClientSettings

    inference = InferenceClientSettings()
    if settings.inference_url:
        inference = InferenceClientSettings(inference_url=settings.inference_url)
    if inference.endpoints():
        client = HttpModelClient.from_settings(inference)
        life.stoppers.append(client.aclose)
        return client
    return _inprocess_models()


@functools.lru_cache(maxsize=1)
def _inprocess_models() -> ModelClient:
    """One per process: the models load once, whatever the number of containers."""
    from rookery.workloads.adapters.inference import InProcessModelClient

    return InProcessModelClient()
