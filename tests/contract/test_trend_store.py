"""TrendStore contract: SQLite (embedded aggregator) and Redis (production aggregator)."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator

import pytest
from contract_support import REDIS_PARAMS, redis_client, sqlite_database

from rookery.workloads.adapters.sqlite import analytics as sqlite_analytics
from rookery.workloads.domain.analytics import Tally, TrendWindow, bucket_of
from rookery.workloads.ports.analytics import TrendStore

NOW = dt.datetime(2026, 11, 20, 12, 30, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", *REDIS_PARAMS])
async def store(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path, tenant: str
) -> AsyncIterator[TrendStore]:
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "rookery.db", sqlite_analytics.MIGRATIONS) as db:
            yield sqlite_analytics.SqliteTrendStore(db)
    else:
        from rookery.workloads.adapters.redis.trends import RedisTrendStore

        async with redis_client(request, cluster=request.param == "redis-cluster") as client:
            yield RedisTrendStore(client, tenant)


async def test_first_time_is_once_per_event(store: TrendStore) -> None:
    assert await store.first_time("e1") is True
    assert await store.first_time("e1") is False
    assert await store.first_time("e2") is True


async def test_top_ranks_by_decayed_window(store: TrendStore) -> None:
    window = TrendWindow(hours=24, half_life_hours=6)
    current = bucket_of(NOW)
    await store.add("tag", "fresh", current, 3)
    await store.add("tag", "old", current - 12, 10)  # weight 0.25: 2.5 < 3
    await store.add("tag", "gone", current - 30, 100)  # outside the window
    await store.add("status", "77", current, 1)  # another kind
    ranked = await store.top("tag", window.weights(NOW), 10)
    assert [key for key, _ in ranked] == ["fresh", "old"]
    assert ranked[0][1] == pytest.approx(3.0) and ranked[1][1] == pytest.approx(2.5)
    assert [key for key, _ in await store.top("tag", window.weights(NOW), 1)] == ["fresh"]
    await store.add("tag", "fresh", current, -3)  # taken back (a hidden status)
    assert [key for key, _ in await store.top("tag", window.weights(NOW), 10)] == ["old"]
    assert await store.top("tag", [], 10) == []
    assert [key for key, _ in await store.top("status", window.weights(NOW), 10)] == ["77"]


async def test_daily_counters_and_active_accounts(store: TrendStore) -> None:
    today, yesterday = NOW.date(), NOW.date() - dt.timedelta(days=1)
    await store.count("statuses", today)
    await store.count("statuses", today, 2)
    await store.count("statuses", yesterday)
    assert await store.counts("statuses", [yesterday, today]) == [1, 3]
    assert await store.counts("new_users", [today]) == [0]
    assert await store.counts("statuses", []) == []
    for account_id in (1, 2, 2, 3):
        await store.mark_active(today, account_id)
    await store.mark_active(yesterday, 1)
    await store.mark_active(yesterday, 4)
    assert await store.active([today]) == 3
    assert await store.active([yesterday, today]) == 4
    assert await store.active([]) == 0


async def test_behaviour_keeps_the_newest(store: TrendStore) -> None:
    for i in range(5):
        total = await store.append_behaviour(9, {"type": "status", "n": i}, keep=3)
        assert total == i + 1
    assert [e["n"] for e in await store.behaviour(9)] == [2, 3, 4]
    assert await store.behaviour(10) == []


async def test_interaction_log_pages_in_order(store: TrendStore) -> None:
    for i in range(5):
        await store.log({"type": "favourite", "n": i})
    first = await store.read_log(None, 2)
    assert [e["n"] for _, e in first] == [0, 1]
    rest = await store.read_log(first[-1][0], 10)
    assert [e["n"] for _, e in rest] == [2, 3, 4]
    assert await store.read_log(rest[-1][0], 10) == []


async def test_record_applies_a_tally_once(store: TrendStore) -> None:
    current = bucket_of(NOW)
    event = {"type": "status", "account_id": "5", "status_id": "70"}
    tally = Tally(
        "ev1",
        5,
        NOW.date(),
        event,
        counters=(("statuses", 1), ("account:5:status", 1)),
        trends=(("tag", "cats", current, 1.0),),
        trend_claim="tags:70",
        keep=2,
    )
    assert await store.record(tally) == 1
    assert await store.record(tally) is None  # redelivered: nothing counted twice
    assert await store.counts("statuses", [NOW.date()]) == [1]
    assert await store.active([NOW.date()]) == 1
    assert await store.top("tag", TrendWindow().weights(NOW), 5) == [("cats", pytest.approx(1.0))]
    assert await store.behaviour(5) == [event]
    assert [e for _, e in await store.read_log(None, 10)] == [event]
    # another event claiming the same status's tags (a hidden status took the claim) adds no trend
    again = Tally("ev2", 5, NOW.date(), event, trends=(("tag", "cats", current, 1.0),), trend_claim="tags:70")
    assert await store.record(again) == 2
    assert await store.top("tag", TrendWindow().weights(NOW), 5) == [("cats", pytest.approx(1.0))]
    assert await store.first_time("tags:71") is True  # the hide path claims first ...
    late = Tally("ev3", 6, NOW.date(), event, trends=(("tag", "dogs", current, 1.0),), trend_claim="tags:71")
    assert await store.record(late) == 1
    assert [k for k, _ in await store.top("tag", TrendWindow().weights(NOW), 5)] == ["cats"]  # ... no dogs
    engagement = Tally("ev4", 6, NOW.date(), event, trends=(("status", "70", current, 2.0),))
    assert await store.record(engagement) == 2
    assert await store.top("status", TrendWindow().weights(NOW), 5) == [("70", pytest.approx(2.0))]
    assert len(await store.behaviour(6)) == 2
