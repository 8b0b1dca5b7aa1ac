"""FilterStore and ScheduledStatusStore contract over SQLite and PostgreSQL (needs("postgres")), the
filter store also behind the no-filters cache (adapters/cached_filters.py):
filters saved with their keywords and statuses and replaced whole, looked up by keyword and
status-filter ids, deleted with their children; scheduled statuses with their parameters (poll,
media ids) read back, paged newest first, counted per account and day, rescheduled, due in time
order, their status id chosen once even with publishers racing, deleted once."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

import postgres_stores
import pytest
from postgres_stores import StoreDb, pg_session_dsn  # noqa: F401

from rookery.workloads.adapters.cached_filters import NoFiltersCachingStore
from rookery.workloads.adapters.memory.entities import MemoryEntityCache
from rookery.workloads.adapters.postgres.filters import PostgresFilterStore, PostgresScheduledStatusStore
from rookery.workloads.adapters.sqlite import filters as sqlite_filters
from rookery.workloads.domain.filters import Filter, FilterKeyword, FilterStatus
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.polls import PollDraft
from rookery.workloads.domain.scheduled import ScheduledParams, ScheduledStatus
from rookery.workloads.ids import new_id
from rookery.workloads.ports.filters import FilterStore, ScheduledStatusStore

ALICE, BOB = 11, 22
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
store_db = postgres_stores.store_db  # the fixture: each test once on SQLite, once on PostgreSQL


@pytest.fixture
async def filters(store_db: StoreDb) -> Any:
    return await store_db.store(list(sqlite_filters.MIGRATIONS), sqlite_filters.SqliteFilterStore, PostgresFilterStore)


@pytest.fixture
async def scheduled(store_db: StoreDb) -> Any:
    return await store_db.store(
        list(sqlite_filters.MIGRATIONS), sqlite_filters.SqliteScheduledStatusStore, PostgresScheduledStatusStore
    )


def a_filter(account_id: int = ALICE, **changes: Any) -> Filter:
    made = Filter(
        id=new_id(),
        account_id=account_id,
        title="Drinks",
        context=("home", "public"),
        action="warn",
        expires_at=NOW + dt.timedelta(hours=1),
        keywords=(FilterKeyword(new_id(), "coffee", False), FilterKeyword(new_id(), "tea", True)),
        statuses=(FilterStatus(new_id(), 777),),
    )
    return dataclasses.replace(made, **changes)


async def test_filters_round_trip_and_replace(filters: FilterStore) -> None:
    first = a_filter()
    await filters.save(first)
    got = await filters.get(first.id)
    assert got == first
    assert await filters.get(new_id()) is None
    second = a_filter(title="Other")
    theirs = a_filter(BOB)
    await filters.save(second)
    await filters.save(theirs)
    assert [f.id for f in await filters.of_account(ALICE)] == [first.id, second.id]
    assert [f.id for f in await filters.of_account(BOB)] == [theirs.id]

    changed = dataclasses.replace(
        first,
        title="Hot drinks",
        context=("thread",),
        action="hide",
        expires_at=None,
        keywords=(first.keywords[1], FilterKeyword(new_id(), "cocoa", True)),
        statuses=(),
    )
    await filters.save(changed)
    assert await filters.get(first.id) == changed
    assert await filters.filter_of_keyword(first.keywords[0].id) is None  # removed with the replace
    assert await filters.filter_of_keyword(changed.keywords[1].id) == first.id
    assert await filters.filter_of_status(first.statuses[0].id) is None
    assert await filters.filter_of_status(second.statuses[0].id) == second.id

    assert await filters.delete(second.id) is True
    assert await filters.delete(second.id) is False
    assert await filters.filter_of_keyword(second.keywords[0].id) is None
    assert [f.id for f in await filters.of_account(ALICE)] == [first.id]


def a_scheduled(at: dt.datetime, account_id: int = ALICE, **params: Any) -> ScheduledStatus:
    defaults: dict[str, Any] = {"text": "later", "visibility": "public"}
    return ScheduledStatus(new_id(), account_id, at, ScheduledParams(**{**defaults, **params}))


async def test_scheduled_statuses_round_trip(scheduled: ScheduledStatusStore) -> None:
    poll = PollDraft(("yes", "no"), 600, multiple=True)
    full = a_scheduled(
        NOW + dt.timedelta(hours=2), text="with all", visibility="private", spoiler_text="cw", sensitive=True,
        language="en", in_reply_to_id=123, media_ids=(5, 6), poll=poll, application="app", application_id=9,
        idempotency="key-1",
    )  # fmt: skip
    plain = a_scheduled(NOW + dt.timedelta(days=1, hours=2))
    theirs = a_scheduled(NOW + dt.timedelta(hours=2), BOB)
    for item in (full, plain, theirs):
        await scheduled.create(item)
    assert await scheduled.get(full.id) == full
    assert await scheduled.get(new_id()) is None
    assert [s.id for s in await scheduled.of_account(ALICE, PageRequest())] == [plain.id, full.id]
    assert [s.id for s in await scheduled.of_account(ALICE, PageRequest(limit=1))] == [plain.id]
    assert [s.id for s in await scheduled.of_account(ALICE, PageRequest(max_id=plain.id))] == [full.id]
    assert [s.id for s in await scheduled.of_account(ALICE, PageRequest(min_id=full.id))] == [plain.id]
    assert await scheduled.count(ALICE) == 2 and await scheduled.count(BOB) == 1
    day = (full.scheduled_at - dt.timedelta(minutes=1), full.scheduled_at + dt.timedelta(minutes=1))
    assert await scheduled.count(ALICE, day) == 1

    later = NOW + dt.timedelta(hours=5)
    assert await scheduled.reschedule(full.id, later) is True
    moved = await scheduled.get(full.id)
    assert moved is not None and moved.scheduled_at == later and moved.params == full.params
    assert await scheduled.reschedule(new_id(), later) is False

    assert [s.id for s in await scheduled.due(NOW, 10)] == []
    assert [s.id for s in await scheduled.due(NOW + dt.timedelta(hours=6), 10)] == [theirs.id, full.id]
    assert [s.id for s in await scheduled.due(NOW + dt.timedelta(days=2), 2)] == [theirs.id, full.id]
    assert await scheduled.delete(theirs.id) is True
    assert await scheduled.delete(theirs.id) is False
    assert await scheduled.get(theirs.id) is None


async def test_status_id_is_chosen_once(scheduled: ScheduledStatusStore) -> None:
    item = a_scheduled(NOW)
    await scheduled.create(item)
    proposals = [new_id() for _ in range(8)]
    chosen = await asyncio.gather(*(scheduled.claim_status_id(item.id, p) for p in proposals))
    assert len(set(chosen)) == 1 and chosen[0] in proposals
    assert await scheduled.claim_status_id(item.id, new_id()) == chosen[0]
    await scheduled.delete(item.id)
    assert await scheduled.claim_status_id(item.id, new_id()) is None


@pytest.mark.parametrize("cached", [False, True], ids=["store", "no-filters-cache"])
async def test_an_account_without_filters_gets_its_new_filter_at_once(filters: FilterStore, cached: bool) -> None:
    store: FilterStore = NoFiltersCachingStore(filters, MemoryEntityCache()) if cached else filters
    assert await store.of_account(ALICE) == [] and await store.of_account(ALICE) == []
    made = a_filter()
    await store.save(made)
    assert [f.id for f in await store.of_account(ALICE)] == [made.id]
    assert await store.of_account(BOB) == []
    assert await store.delete(made.id) is True
    assert await store.of_account(ALICE) == []
    again = a_filter()
    await store.save(again)
    assert [f.id for f in await store.of_account(ALICE)] == [again.id]
