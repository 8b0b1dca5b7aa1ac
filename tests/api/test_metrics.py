"""The metrics behind the dashboards and alerts move when the API does the work they measure:
hydration and token caches (in-process embedded, Redis in production), the home timelines' hot
cache and PostgreSQL / Cassandra request latency (production), readiness per store, the outbox.

The registry is the process's, shared by every test: each check compares before and after."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from api_support import NOT_SPLIT, Api
from prometheus_client import REGISTRY
from social_support import home_ids, post, settle

from rookery.workloads.api import ops

# one process's registry: in [split] the gateway's and the roles' counters are mixed up
both_modes = pytest.mark.parametrize("api_mode", NOT_SPLIT, indirect=True)
# PostgreSQL, Cassandra and the Redis hot timelines are production mode's only
production_only = pytest.mark.parametrize("api_mode", NOT_SPLIT[1:], indirect=True)


def reader(name: str, **labels: str) -> Callable[[], float]:
    return lambda: REGISTRY.get_sample_value(name, labels) or 0.0


def deltas(readers: dict[str, Callable[[], float]], before: dict[str, float]) -> dict[str, float]:
    return {name: read() - before[name] for name, read in readers.items()}


@both_modes
async def test_caches_count_hits_and_misses_by_name(api: Api) -> None:
    backend = "redis" if api.settings.redis_url else "memory"
    readers = {
        f"{cache} {result}": reader(f"rookery_cache_{result}_total", cache=cache, backend=backend)
        for cache in ("statuses", "accounts")
        for result in ("hits", "misses")
    } | {f"{cache} {result}": reader(f"rookery_cache_{result}_total", cache=cache, backend="memory")
         for cache in ("tokens", "page") for result in ("hits", "misses")}  # fmt: skip
    before = {name: read() for name, read in readers.items()}
    alice = await api.make_user("alice")
    status = await post(api, alice, "cached once rendered")
    await settle(api)
    for _ in range(2):  # a page's statuses and accounts: rendered and cached once, then served
        assert await home_ids(api, alice) == [status["id"]]
        assert (await api.client.get(f"/api/v1/accounts/{alice.id}", headers=alice.headers)).status_code == 200
    moved = deltas(readers, before)
    if api.settings.redis_url:  # the second read: the page kept, or (a write moved its stamp) its cached fragments
        assert moved["statuses misses"] >= 1 and (moved["statuses hits"] >= 2 or moved["page hits"] >= 1), moved
    else:  # embedded: the second read of the page is the whole page kept (views/pages.py)
        assert moved["statuses misses"] >= 1 and moved["page misses"] >= 1 and moved["page hits"] >= 1, moved
    assert moved["accounts misses"] >= 1 and moved["accounts hits"] >= 1, moved
    assert moved["tokens misses"] >= 1 and moved["tokens hits"] >= 3, moved  # a token validated once


@both_modes
async def test_readiness_sets_store_up_per_store(api: Api) -> None:
    ops.install(api.app, api.container)
    api.app.middleware_stack = None
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    stores = set(ready.json()["checks"])
    production = {"postgres", "redis", "kafka", "cassandra"} if api.settings.postgres_dsn else set()
    assert {"sqlite", *production} <= stores
    assert {store: reader("rookery_store_up", store=store)() for store in stores} == dict.fromkeys(stores, 1.0)
    assert "rookery_store_up{" in (await api.client.get("/metrics")).text


@both_modes
async def test_outbox_relay_counts_what_it_publishes(api: Api) -> None:
    relayed = reader("rookery_outbox_events_relayed_total")
    before = relayed()
    alice = await api.make_user("alice")
    await post(api, alice, "through the outbox")
    await settle(api)
    assert relayed() - before >= 1
    assert reader("rookery_outbox_oldest_event_age_seconds")() < 60  # nothing left waiting long


@production_only
async def test_production_stores_are_timed_and_home_reads_use_the_hot_cache(api: Api) -> None:
    readers = {
        f"{store} {operation}": reader(
            "rookery_store_request_duration_seconds_count", store=store, operation=operation
        )
        for store, operation in (("postgres", "transaction"), ("postgres", "select"), ("cassandra", "select"))
    } | {f"home {result}": reader(f"rookery_cache_{result}_total", cache="home_timelines", backend="redis")
         for result in ("hits", "misses")}  # fmt: skip
    before = {name: read() for name, read in readers.items()}
    alice = await api.make_user("alice")
    await post(api, alice, "timed")
    await settle(api)
    await home_ids(api, alice)  # the hot list is cold: read from Cassandra, then warmed
    await home_ids(api, alice)
    moved = deltas(readers, before)
    assert moved["postgres transaction"] >= 1 and moved["postgres select"] >= 1, moved
    assert moved["cassandra select"] >= 1, moved
    assert moved["home misses"] >= 1 and moved["home hits"] >= 1, moved
