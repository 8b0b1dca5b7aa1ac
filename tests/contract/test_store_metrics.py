"""The store, cache and outbox metrics (rookery.workloads.metrics) move when the operation happens:
cache hits and misses by cache name on both Cache and both EntityCache adapters, PostgreSQL and Cassandra request
latency by statement kind (and StoreUnavailable counted), the outbox backlog's age."""

from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
from collections.abc import AsyncIterator, Callable

import pytest
from cassandra_support import cassandra_settings, cassandra_store  # noqa: F401
from contract_support import REDIS_PARAMS, memory_or_redis, sqlite_database
from postgres_support import unique_schema
from prometheus_client import REGISTRY

from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.adapters.memory.cache import MemoryCache
from rookery.workloads.adapters.memory.entities import MemoryEntityCache
from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
from rookery.workloads.adapters.redis.cache import RedisCache
from rookery.workloads.adapters.redis.entities import RedisEntityCache
from rookery.workloads.adapters.sqlite.outbox import MIGRATIONS as OUTBOX_MIGRATIONS
from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
from rookery.workloads.domain.events import POSTS, Event
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.metrics import statement_kind
from rookery.workloads.ports.edge import Cache, EntityCache
from rookery.workloads.workers.outbox_relay import ClaimingOutboxRelay, OutboxRelay


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def counter(name: str, **labels: str) -> Callable[[], float]:
    """A reader of one sample: call it before and after, compare."""
    return lambda: sample(name, **labels)


# ----------------------------------------------------------------------------------- caches


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def cache(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[tuple[Cache, str]]:
    async with memory_or_redis(request, MemoryCache, RedisCache, tenant) as adapter:
        yield adapter, "memory" if request.param == "memory" else "redis"


async def test_cache_lookups_count_hits_and_misses_by_cache_name(cache: tuple[Cache, str], tenant: str) -> None:
    adapter, backend = cache
    hits = counter("rookery_cache_hits_total", cache="statuses", backend=backend)
    misses = counter("rookery_cache_misses_total", cache="statuses", backend=backend)
    account_hits = counter("rookery_cache_hits_total", cache="accounts", backend=backend)
    other_misses = counter("rookery_cache_misses_total", cache="other", backend=backend)
    before = hits(), misses(), account_hits(), other_misses()

    await adapter.set("status:1", b"one")
    await adapter.set("account:v2:7", b"seven")
    assert await adapter.get("status:1") == b"one"  # hit
    assert await adapter.get_many(["status:1", "status:2", "status:3"]) == [b"one", None, None]  # 1 hit, 2 misses
    assert await adapter.get("account:v2:7") == b"seven"
    assert await adapter.get(f"{tenant}-free-form") is None  # not a known cache: "other", never the key

    after = hits(), misses(), account_hits(), other_misses()
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 2, 1, 1]
    exposed = {s.labels["cache"] for m in REGISTRY.collect() if m.name == "rookery_cache_misses" for s in m.samples}
    assert tenant not in " ".join(exposed)


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def entities(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[tuple[EntityCache, str]]:
    async with memory_or_redis(request, MemoryEntityCache, RedisEntityCache, tenant) as adapter:
        yield adapter, "memory" if request.param == "memory" else "redis"


async def test_entity_cache_reads_count_hits_and_misses_by_kind(entities: tuple[EntityCache, str]) -> None:
    adapter, backend = entities
    readers = {
        f"{cache} {result}": counter(f"rookery_cache_{result}_total", cache=cache, backend=backend)
        for cache in ("statuses", "accounts")
        for result in ("hits", "misses")
    }
    before = {name: read() for name, read in readers.items()}
    found = await adapter.read([("status", 1), ("account", 1)])  # 2 misses
    await adapter.fill({("status", 1): (found[0].version, b"{}"), ("account", 1): (found[1].version, b"{}")})
    await adapter.read([("status", 1), ("status", 1), ("account", 1), ("status", 2)])  # 3 hits, 1 miss
    await adapter.invalidate([("account", 1)])
    await adapter.read([("account", 1)])  # invalidated: a miss
    moved = {name: read() - before[name] for name, read in readers.items()}
    assert moved == {"statuses hits": 2, "statuses misses": 2, "accounts hits": 1, "accounts misses": 2}


def test_statement_kinds_are_a_fixed_set() -> None:
    assert statement_kind("SELECT id FROM t") == "select"
    assert statement_kind("\n  insert INTO t VALUES ($1)") == "insert"
    assert statement_kind("UPDATE\tt SET a = 1") == "update"
    assert statement_kind("DELETE FROM t") == "delete"
    assert statement_kind("WITH x AS (SELECT 1) SELECT * FROM x") == "other"
    assert statement_kind("") == "other"


# -------------------------------------------------------------------------------- PostgreSQL


@pytest.mark.needs("postgres")
async def test_postgres_requests_are_timed_by_statement_kind(pg_session_dsn: str) -> None:
    db = PostgresDatabase(pg_session_dsn, schema=unique_schema())
    await db.migrate()
    count = {
        kind: counter("rookery_store_request_duration_seconds_count", store="postgres", operation=kind)
        for kind in ("select", "insert", "delete", "transaction")
    }
    before = {kind: read() for kind, read in count.items()}
    await db.execute("CREATE TABLE metric_probe (id bigint PRIMARY KEY)")
    await db.execute("INSERT INTO metric_probe VALUES (1)")
    assert await db.fetchval("SELECT count(*) FROM metric_probe") == 1
    await db.fetch("SELECT id FROM metric_probe")
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM metric_probe")
    await db.execute("DELETE FROM metric_probe")
    moved = {kind: read() - before[kind] for kind, read in count.items()}
    assert moved == {"select": 2, "insert": 1, "delete": 1, "transaction": 1}
    await db.close()

    down = counter("rookery_store_unavailable_total", store="postgres", operation="select")
    before_down = down()
    nowhere = PostgresDatabase("postgresql://rookery:rookery@127.0.0.1:1/rookery", connect_timeout_s=1)
    with pytest.raises(StoreUnavailable):
        await nowhere.fetch("SELECT 1")
    assert down() - before_down == 1


# -------------------------------------------------------------------------------- Cassandra


@pytest.mark.needs("cassandra")
async def test_cassandra_requests_are_timed_by_statement_kind(request: pytest.FixtureRequest) -> None:
    def statements(session: CassandraSession) -> tuple[CassandraSession, str, str]:
        insert = session.register("INSERT INTO rookery_metric_probe (id, value) VALUES (?, ?)", write=True)
        select = session.register("SELECT value FROM rookery_metric_probe WHERE id = ?", write=False)
        return session, insert, select

    settings = request.getfixturevalue("cassandra_settings")
    setup = CassandraSession(
        settings.cassandra_contact_points, settings.cassandra_keyspace, local_dc=settings.cassandra_local_dc
    )
    await setup.query("CREATE TABLE IF NOT EXISTS rookery_metric_probe (id int PRIMARY KEY, value text)")
    await setup.close()
    count = {
        kind: counter("rookery_store_request_duration_seconds_count", store="cassandra", operation=kind)
        for kind in ("select", "insert", "concurrent")
    }
    async with cassandra_store(request, ("rookery_metric_probe",), statements) as (session, insert, select):
        before = {kind: read() for kind, read in count.items()}
        await session.execute(insert, (1, "one"))
        assert await session.execute(select, (1,)) == [("one",)]
        await session.execute_many(insert, [(2, "two"), (3, "three")])
        moved = {kind: read() - before[kind] for kind, read in count.items()}
        assert moved == {"select": 1, "insert": 1, "concurrent": 1}

    down = counter("rookery_store_unavailable_total", store="cassandra", operation="select")
    before_down = down()
    nowhere = CassandraSession("127.0.0.1:1", settings.cassandra_keyspace, connect_timeout_s=1)
    _, _, select = statements(nowhere)
    with pytest.raises(StoreUnavailable):
        await nowhere.execute(select, (1,))
    assert down() - before_down == 1
    await nowhere.close()


# ----------------------------------------------------------------------------------- outbox


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[str] = []

    async def publish(self, stream: str, event: Event) -> None:
        self.published.append(event.id)

    def subscribe(self, *args: object) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class DownBus(RecordingBus):
    async def publish(self, stream: str, event: Event) -> None:
        raise StoreUnavailable("kafka: down")


def minute_old_event() -> Event:
    then = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
    return Event("StatusCreated", "1", {}, occurred_at=then.isoformat(timespec="milliseconds"))


def outbox_age() -> float:
    return sample("rookery_outbox_oldest_event_age_seconds")


async def test_embedded_outbox_reports_the_age_of_what_waits(tmp_path: pathlib.Path) -> None:
    async with sqlite_database(tmp_path / "events.db", OUTBOX_MIGRATIONS) as db:
        outbox = SqliteOutbox(db)
        event = minute_old_event()
        async with db.transaction() as conn:
            await outbox.append(conn, [(POSTS, event)])
        relayed = counter("rookery_outbox_events_relayed_total")
        before = relayed()
        relay = OutboxRelay(outbox, DownBus())
        with pytest.raises(StoreUnavailable):
            await relay.relay_once()
        first = outbox_age()
        assert 60 <= first < 120  # the bus is down: the row waits, a minute old
        await asyncio.sleep(0.2)
        assert outbox_age() > first  # scraped later, older: a relay stuck publishing shows it growing
        relay.bus = RecordingBus()  # the broker is back
        assert await relay.relay_once() == 1
        assert relayed() - before == 1
        assert outbox_age() == 0  # nothing waits any more


@pytest.mark.needs("postgres")
async def test_postgres_outbox_reports_the_age_of_what_waits(pg_session_dsn: str) -> None:
    db = PostgresDatabase(pg_session_dsn, schema=unique_schema())
    await db.migrate()
    outbox = PostgresOutbox(db, channel=f"{db.schema}_outbox")
    async with db.transaction() as conn:
        await outbox.append(conn, [(POSTS, minute_old_event())])
    relayed = counter("rookery_outbox_events_relayed_total")
    before = relayed()
    relay = ClaimingOutboxRelay(outbox, DownBus())
    with pytest.raises(StoreUnavailable):
        await relay.relay_once()
    assert 60 <= outbox_age() < 120
    relay.bus = RecordingBus()
    assert await relay.relay_once() == 1
    assert relayed() - before == 1
    assert outbox_age() == 0
    assert await relay.relay_once() == 0
    assert outbox_age() == 0
    await outbox.close()
    await db.close()
