"""What only the PostgreSQL adapters promise: relays in parallel never publish a row twice
(SKIP LOCKED claims), NOTIFY wakes a relay in another connection, migrations run once under
concurrent migrators, and a slow query or a dead server is StoreUnavailable, not a hang."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from postgres_support import unique_schema

from rookery.workloads.adapters.postgres.db import PostgresDatabase, load_migrations
from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
from rookery.workloads.domain.events import POSTS, Event
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.workers.outbox_relay import ClaimingOutboxRelay

pytestmark = pytest.mark.needs("postgres")


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[str] = []

    async def publish(self, stream: str, event: Event) -> None:
        await asyncio.sleep(0.001)  # a broker round trip: relays overlap
        self.published.append(event.id)

    def subscribe(self, *args: object) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class BatchingBus(RecordingBus):
    """A bus with ``publish_many`` (as the Kafka bus has): the relay hands it runs of one stream."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def publish_many(self, stream: str, events: list[Event]) -> None:
        await asyncio.sleep(0.001)
        self.batches.append(len(events))
        self.published += [event.id for event in events]


async def fresh(dsn: str, **options: object) -> PostgresDatabase:
    db = PostgresDatabase(dsn, schema=unique_schema(), **options)  # type: ignore[arg-type]
    await db.migrate()
    return db


async def test_concurrent_migrators_apply_each_version_once(pg_session_dsn: str) -> None:
    schema = unique_schema()
    migrators = [PostgresDatabase(pg_session_dsn, schema=schema) for _ in range(3)]
    applied = await asyncio.gather(*(m.migrate() for m in migrators))
    versions = [m.version for m in load_migrations()]
    assert sorted(v for batch in applied for v in batch) == versions
    assert await migrators[0].migrate() == []
    rows = await migrators[0].fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert [r["version"] for r in rows] == versions
    await migrators[0].close()


@pytest.mark.parametrize("bus_kind", ["one-by-one", "batching"])
async def test_parallel_relays_publish_every_row_exactly_once(pg_session_dsn: str, bus_kind: str) -> None:
    db = await fresh(pg_session_dsn, max_size=8)
    outbox = PostgresOutbox(db, channel=f"{db.schema}_outbox")
    events = [Event("StatusCreated", str(i % 7), {"n": i}) for i in range(300)]
    for start in range(0, len(events), 50):
        async with db.transaction() as conn:
            await outbox.append(conn, [(POSTS, e) for e in events[start : start + 50]])
    bus = RecordingBus() if bus_kind == "one-by-one" else BatchingBus()
    relays = [ClaimingOutboxRelay(outbox, bus, batch=20) for _ in range(3)]

    async def drain(relay: ClaimingOutboxRelay) -> None:
        while await relay.relay_once():
            pass

    await asyncio.gather(*(drain(r) for r in relays))
    assert sorted(bus.published) == sorted(e.id for e in events)  # none lost, none twice
    if isinstance(bus, BatchingBus):
        assert max(bus.batches) == 20  # a claimed batch of one stream goes out in one call
    assert await outbox.pending(10) == []
    await outbox.close()
    await db.close()


async def test_a_failed_publish_leaves_the_rows_for_the_next_relay(pg_session_dsn: str) -> None:
    db = await fresh(pg_session_dsn)
    outbox = PostgresOutbox(db, channel=f"{db.schema}_outbox")
    event = Event("StatusCreated", "1", {})
    async with db.transaction() as conn:
        await outbox.append(conn, [(POSTS, event)])

    class DownBus(RecordingBus):
        async def publish(self, stream: str, event: Event) -> None:
            raise StoreUnavailable("kafka: down")

    with pytest.raises(StoreUnavailable):
        await ClaimingOutboxRelay(outbox, DownBus()).relay_once()
    bus = RecordingBus()
    assert await ClaimingOutboxRelay(outbox, bus).relay_once() == 1
    assert bus.published == [event.id]
    await db.close()


async def test_notify_wakes_a_relay_waiting_on_another_connection(pg_session_dsn: str) -> None:
    writer_db = await fresh(pg_session_dsn)
    channel = f"{writer_db.schema}_outbox"
    reader_db = PostgresDatabase(pg_session_dsn, schema=writer_db.schema)  # "another process"
    writer, reader = PostgresOutbox(writer_db, channel), PostgresOutbox(reader_db, channel)
    await reader.wait(0.01)  # starts listening (and returns at once: rows may be pending)
    waiting = asyncio.create_task(reader.wait(10))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    async with writer_db.transaction() as conn:
        await writer.append(conn, [(POSTS, Event("StatusCreated", "1", {}))])
    await asyncio.wait_for(waiting, 2)  # woken by the commit, long before the 10 s poll
    assert len(await reader.pending(10)) == 1
    for outbox in (writer, reader):
        await outbox.close()
    for db in (writer_db, reader_db):
        await db.close()


async def test_a_listening_relay_is_woken_by_the_commit_alone(pg_session_dsn: str) -> None:
    """In the writer's own process: while it LISTENs, the in-process wake-up is left to the commit's
    NOTIFY (one wake-up a commit, not two); before it listens, notify() wakes it."""
    db = await fresh(pg_session_dsn)
    outbox = PostgresOutbox(db, channel=f"{db.schema}_outbox")
    outbox.notify()
    await asyncio.wait_for(outbox.wait(10), 2)  # not listening yet: the in-process wake-up
    await outbox.wait(0.01)  # listening now (its first wait returns at once: rows may be pending)
    outbox.notify()
    waiting = asyncio.create_task(outbox.wait(10))
    await asyncio.sleep(0.1)
    assert not waiting.done()  # a notify() without a commit wakes nobody while it listens
    async with db.transaction() as conn:
        await outbox.append(conn, [(POSTS, Event("StatusCreated", "1", {}))])
    outbox.notify()
    await asyncio.wait_for(waiting, 2)  # the commit's NOTIFY, long before the 10 s poll
    assert len(await outbox.pending(10)) == 1
    await outbox.close()
    await db.close()


async def test_statement_timeout_and_dead_server_are_store_unavailable(pg_session_dsn: str) -> None:
    db = PostgresDatabase(pg_session_dsn, statement_timeout_ms=200)
    with pytest.raises(StoreUnavailable, match="QueryCanceled"):
        await db.fetchval("SELECT pg_sleep(2)")
    assert await db.fetchval("SELECT 1") == 1  # the pool stays usable
    await db.close()
    nowhere = PostgresDatabase("postgresql://rookery:rookery@127.0.0.1:1/rookery", connect_timeout_s=1)
    await nowhere.connect()  # not fatal at start: the process comes up and answers 503
    with pytest.raises(StoreUnavailable):
        await nowhere.ping()


async def test_a_snapshot_cached_read_follows_every_commit_of_every_process(pg_session_dsn: str) -> None:
    """GET /api/v1/instance's counts and rules are kept while the server's snapshot is unchanged:
    read again after a commit by another process (here: another pool), and only then."""
    from rookery.workloads.adapters.postgres.accounts import PostgresAccountRepository
    from rookery.workloads.adapters.postgres.db import SnapshotCached
    from rookery.workloads.adapters.postgres.instance import PostgresInstanceContentStore
    from rookery.workloads.domain.accounts import Account
    from rookery.workloads.domain.instance import Rule
    from rookery.workloads.ids import new_id

    db = await fresh(pg_session_dsn)
    other = PostgresDatabase(pg_session_dsn, schema=db.schema)  # another process's pool, same tenant
    try:
        loads: list[int] = []

        async def count() -> int:
            loads.append(1)
            return int(await db.fetchval("SELECT COUNT(*) FROM instance_rules"))

        cached: SnapshotCached[int] = SnapshotCached(db)
        assert [await cached.get(count) for _ in range(3)] == [0, 0, 0]
        assert len(loads) == 1  # nothing written: read once
        rules = PostgresInstanceContentStore(other)
        await rules.add_rule(Rule(1, "Be kind", "", 0))
        assert await cached.get(count) == 1 and len(loads) == 2  # another pool's commit: read again
        assert await cached.get(count, key="another key") == 1 and len(loads) == 3  # another key: read
        reader = PostgresInstanceContentStore(db)
        assert [r.text for r in await reader.rules()] == ["Be kind"]
        await rules.update_rule(Rule(1, "Be kinder", "", 0))
        assert [r.text for r in await reader.rules()] == ["Be kinder"]
        accounts, elsewhere = PostgresAccountRepository(db), PostgresAccountRepository(other)
        since = dt.date(2026, 1, 1)
        assert (await accounts.usage(since, since)).users == 0
        alice = Account(
            id=new_id(),
            username="alice",
            email="a@example.com",
            password_hash="$argon2id$x",
            created_at=dt.datetime.now(dt.UTC),
        )
        await elsewhere.create(alice)
        assert (await accounts.usage(since, since)).users == 1
        await other.execute("UPDATE accounts SET statuses_count = 7")
        assert (await accounts.usage(since, since)).statuses == 7
    finally:
        await other.close()
        await db.close()
