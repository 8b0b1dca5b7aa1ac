"""What only the Cassandra adapters have: day partitions of home timelines (reads cross them with
the same max_id / since_id / min_id semantics), TTLs on every timeline row, replays that leave one
row, conditional writes that recognise their own replay, migrations that are idempotent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra_support import cassandra_settings, cassandra_store  # noqa: F401

from rookery.workloads.adapters.cassandra.graph import CassandraGraphStore
from rookery.workloads.adapters.cassandra.migrations import load_migrations, migrate
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.adapters.cassandra.timelines import DAY_MS, CassandraTimelineStore, day_of
from rookery.workloads.domain.graph import Follow
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ids import id_at
from rookery.workloads.settings import Settings

pytestmark = pytest.mark.needs("cassandra")
TABLES = ("home_timeline", "home_timeline_days", "home_timeline_by_status", "celebrities")
T0 = 1_700_000_000_000  # a moment (ms); statuses below are spread over the days after it
TTL = 3600


@pytest.fixture
async def timelines(request: pytest.FixtureRequest) -> AsyncIterator[CassandraTimelineStore]:
    async with cassandra_store(request, TABLES, lambda s: CassandraTimelineStore(s, 800, ttl_s=TTL)) as store:
        yield store


def at(day: int, n: int) -> int:
    """A status id on day ``day`` (after T0), the n-th of that day."""
    return id_at(T0 + day * DAY_MS) + n


def entry(status_id: int, author: int = 7) -> TimelineEntry:
    return TimelineEntry(status_id, author)


async def test_pages_cross_day_partitions(timelines: CassandraTimelineStore) -> None:
    # 4 posts a day on days 0, 1, 3 and 6 (2, 4, 5: nothing): 16 entries in 4 partitions
    days = (0, 1, 3, 6)
    ids = [at(day, n) for day in days for n in range(4)]
    assert len({day_of(i) for i in ids}) == 4
    for status_id in ids:
        await timelines.push([1], entry(status_id))
    newest = ids[::-1]

    async def read(**page: Any) -> list[int]:
        return [e.status_id for e in await timelines.range(1, PageRequest(**page))]

    assert await read(limit=40) == newest
    assert await read(limit=6) == newest[:6]  # day 6 then into day 3
    assert await read(max_id=newest[5], limit=7) == newest[6:13]  # days 3, 1 and 0
    assert await read(max_id=at(5, 0), limit=3) == newest[4:7]  # a cursor on an empty day
    assert await read(since_id=newest[9], limit=40) == newest[:9]
    assert await read(since_id=newest[9], limit=3) == newest[:3]  # since_id: the newest
    assert await read(min_id=newest[9], limit=3) == newest[6:9]  # min_id: right after it
    assert await read(min_id=ids[1], max_id=ids[10], limit=40) == newest[6:14]
    # walking the whole timeline by max_id, 5 at a time, sees every entry once
    walked, cursor = [], None
    while True:
        page = await read(max_id=cursor, limit=5) if cursor else await read(limit=5)
        if not page:
            break
        walked += page
        cursor = page[-1]
    assert walked == newest
    # and upward by min_id from the oldest
    walked, cursor = [ids[0]], ids[0]
    while page := await read(min_id=cursor, limit=5):
        walked += page[::-1]
        cursor = page[0]
    assert walked == ids


async def test_timeline_rows_carry_the_ttl(timelines: CassandraTimelineStore) -> None:
    status_id = at(0, 1)
    await timelines.push([1, 2], entry(status_id))
    session = timelines.session
    rows = await session.query(
        "SELECT TTL(account_id) FROM home_timeline WHERE owner_id = 1 AND day = %s AND status_id = %s",
        (day_of(status_id), status_id),
    )
    assert rows and 0 < rows[0][0] <= TTL
    index = await session.query(
        "SELECT owner_id FROM home_timeline_by_status WHERE status_id = %s", (status_id,)
    )  # key-only rows: their TTL is on the row marker, which CQL cannot select
    assert sorted(row[0] for row in index) == [1, 2]


async def test_a_replayed_fan_out_leaves_one_entry(timelines: CassandraTimelineStore) -> None:
    owners = list(range(100, 400))
    status_id = at(0, 2)
    await timelines.push(owners, entry(status_id))
    await asyncio.gather(timelines.push(owners, entry(status_id)), timelines.push(owners, entry(status_id)))
    counts = await asyncio.gather(
        *(timelines.session.query(
            "SELECT COUNT(*) FROM home_timeline WHERE owner_id = %s AND day = %s", (owner, day_of(status_id))
        ) for owner in (100, 250, 399))
    )  # fmt: skip
    assert [c[0][0] for c in counts] == [1, 1, 1]
    await timelines.remove([status_id])
    assert not await timelines.contains(250, status_id)


async def test_follow_replayed_after_a_lost_answer_is_still_new(request: pytest.FixtureRequest) -> None:
    """The driver retries a conditional write whose answer was lost; the retry reads "exists".
    The store recognises its own relation id and still reports the follow as new (counters move)."""
    tables = (
        "relations_by_source",
        "relations_by_source_time",
        "relations_by_target",
        "relations_by_target_time",
    )
    async with cassandra_store(request, tables, CassandraGraphStore) as graph:
        fixed = 4242

        import rookery.workloads.adapters.cassandra.graph as graph_module

        original = graph_module.new_id
        graph_module.new_id = lambda: fixed  # type: ignore[assignment]
        try:
            assert await graph.follow(Follow(1, 2))
            # the same write arriving again (same relation id): new, once, mirrors intact
            assert await graph.follow(Follow(1, 2))
        finally:
            graph_module.new_id = original
        assert not await graph.follow(Follow(1, 2))  # a second, distinct request
        assert await graph.follower_ids(2) == [1]
        assert [a for _, a in await graph.followers(2, PageRequest())] == [1]


async def test_migrate_is_idempotent_and_recorded(cassandra_settings: Settings) -> None:  # noqa: F811
    assert await migrate(cassandra_settings) == []
    session = CassandraSession(
        cassandra_settings.cassandra_contact_points,
        cassandra_settings.cassandra_keyspace,
        local_dc=cassandra_settings.cassandra_local_dc,
    )
    await session.connect()
    try:
        rows = await session.query("SELECT version, name FROM schema_migrations")
    finally:
        await session.close()
    assert sorted((v, n) for v, n in rows) == [(m.version, m.name) for m in load_migrations()]


async def test_migrate_refuses_a_missing_keyspace_without_the_flag(cassandra_settings: Settings) -> None:  # noqa: F811
    from rookery.workloads.domain.unavailable import StoreUnavailable

    settings = cassandra_settings.model_copy(
        update={"cassandra_keyspace": "absent_keyspace_x", "cassandra_create_keyspace": False}
    )
    with pytest.raises(StoreUnavailable, match="does not exist"):
        await migrate(settings)


async def test_the_readiness_check_counts_the_nodes_the_driver_marked_down(
    cassandra_settings: Settings,  # noqa: F811
) -> None:
    """ping() sets rookery_cassandra_nodes_down from the driver's hosts: none on the live node (the HA
    campaign kills one of three: e2e/test_ha_faults.py)."""
    from prometheus_client import REGISTRY

    from rookery.workloads.metrics import CASSANDRA_NODES_DOWN

    settings = cassandra_settings
    session = CassandraSession(
        settings.cassandra_contact_points, settings.cassandra_keyspace, local_dc=settings.cassandra_local_dc
    )
    await session.connect()
    try:
        CASSANDRA_NODES_DOWN.set(-1)
        assert await session.ping()
        assert REGISTRY.get_sample_value("rookery_cassandra_nodes_down") == 0
    finally:
        await session.close()


async def test_contact_points_pick_the_cassandra_stores(
    cassandra_settings: Settings,  # noqa: F811
    tmp_path: Any,
) -> None:
    """Settings alone: ROOKERY_CASSANDRA_CONTACT_POINTS -> graph, timelines, notifications, chats on
    Cassandra; a follow made through the graph service lands there and its event in the outbox."""
    from rookery.workloads.adapters.cassandra.messaging import CassandraMessageStore
    from rookery.workloads.adapters.cassandra.notifications import CassandraNotificationStore
    from rookery.workloads.bootstrap import build

    settings = cassandra_settings.model_copy(update={"data_dir": tmp_path, "password_time_cost": 1})
    container = build(settings)
    stores = container.social.stores
    assert isinstance(stores.graph, CassandraGraphStore)
    assert isinstance(stores.timelines, CassandraTimelineStore)
    assert isinstance(stores.notifications, CassandraNotificationStore)
    assert isinstance(container.messaging.stores, CassandraMessageStore)
    await container.start()
    try:
        accounts = container.accounts.service
        a = await accounts.register("wiring_a", "wa@example.test", "password-123")
        b = await accounts.register("wiring_b", "wb@example.test", "password-123")
        await container.social.graph.follow(a.id, b.id)
        assert await stores.graph.follower_ids(b.id) == [a.id]
        assert (await accounts.get(b.id)).followers_count == 1

        async def followed_event_relayed() -> bool:
            return not await container.events.outbox.pending(10)

        from contract_support import eventually

        await eventually(followed_event_relayed, what="the Followed event relayed from the outbox")
    finally:
        await container.close()


@pytest.mark.needs("redis", "cassandra")
async def test_redis_in_front_serves_full_pages_and_warms_from_cassandra(
    request: pytest.FixtureRequest, timelines: CassandraTimelineStore
) -> None:
    from contract_support import redis_client, unique_tenant

    from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore
    from rookery.workloads.adapters.redis.timelines import RedisTimelineStore

    ids = [at(day, n) for day in (0, 1) for n in range(10)]
    for status_id in ids:  # written before the hot layer existed: Redis is cold
        await timelines.push([1], entry(status_id))
    newest = ids[::-1]
    async with redis_client(request) as client:
        hot = RedisTimelineStore(client, unique_tenant(), max_entries=800)
        layered = HotColdTimelineStore(hot, timelines)
        assert await hot.range(1, PageRequest(limit=5)) == []
        first = await layered.range(1, PageRequest(limit=8))  # cold: from Cassandra, copied to Redis
        assert [e.status_id for e in first] == newest[:8]
        # one more than the page, so the hot list can tell that it holds the whole page next time
        assert [e.status_id for e in await hot.range(1, PageRequest(limit=40))] == newest[:9]
        await timelines.remove([newest[2]])  # behind the hot layer's back: the same page comes from Redis
        assert [e.status_id for e in await layered.range(1, PageRequest(limit=8))] == newest[:8]
        await timelines.push([1], entry(newest[2]))
        deeper = await layered.range(1, PageRequest(max_id=newest[7], limit=5))  # beyond Redis: Cassandra
        assert [e.status_id for e in deeper] == newest[8:13]
        later = at(2, 0)
        await layered.push([1], entry(later))  # both layers
        assert await timelines.contains(1, later) and await hot.contains(1, later)
        await timelines.remove([newest[0]])  # behind the hot layer's back: a full hot page is served
        served = await layered.range(1, PageRequest(limit=3))
        assert [e.status_id for e in served] == [later, newest[0], newest[1]]
        await layered.remove([newest[0]])
        assert [e.status_id for e in await layered.range(1, PageRequest(limit=3))] == [later, *newest[1:3]]
        assert [e.status_id for e in await layered.range(1, PageRequest(min_id=newest[3], limit=2))] == [
            newest[1],
            newest[2],
        ]


@pytest.mark.needs("redis", "cassandra")
async def test_a_short_timeline_is_served_whole_from_redis_once_warm(
    request: pytest.FixtureRequest, timelines: CassandraTimelineStore
) -> None:
    from contract_support import redis_client, unique_tenant

    from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore
    from rookery.workloads.adapters.redis.timelines import RedisTimelineStore

    ids = [at(0, n) for n in range(3)]
    for status_id in ids:
        await timelines.push([7], entry(status_id))
    async with redis_client(request) as client:
        layered = HotColdTimelineStore(RedisTimelineStore(client, unique_tenant(), 800), timelines)
        assert [e.status_id for e in await layered.range(7, PageRequest(limit=20))] == ids[::-1]  # warms
        await timelines.remove([ids[2]])  # behind the hot layer's back: the next page comes from Redis
        assert [e.status_id for e in await layered.range(7, PageRequest(limit=20))] == ids[::-1]
        assert [e.status_id for e in await layered.range(7, PageRequest(max_id=ids[1], limit=20))] == [ids[0]]
        assert not await layered.contains(7, 1 + 7)  # the marker is never an entry
        await layered.push([7], entry(at(1, 0)))
        page = await layered.range(7, PageRequest(limit=20))
        assert [e.status_id for e in page] == [at(1, 0), *ids[::-1]]
        assert all(e.account_id == 7 for e in page)
        # an owner with nothing anywhere: one durable read, then Redis answers
        assert await layered.range(8, PageRequest()) == []
        assert await layered.range(8, PageRequest()) == []
