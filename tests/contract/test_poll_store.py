"""PollStore contract over SQLite and PostgreSQL (needs("postgres")): polls by id and status,
tallies counted from the votes, the voting rules the store holds (once on a single-choice poll,
once per option on a multiple-choice one, nothing after expiry), edits, and closing: each expired
poll once even with closers racing, its events in the outbox of the same transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.polls import PostgresPollStore
from rookery.workloads.adapters.sqlite import polls as sqlite_polls
from rookery.workloads.domain.events import POSTS, Event
from rookery.workloads.domain.polls import Poll
from rookery.workloads.ids import new_id
from rookery.workloads.ports.posts import PollStore

ALICE, BOB, CAROL = 11, 22, 33
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    if store_db.kind == "sqlite":
        await store_db.db.migrate(sqlite_polls.MIGRATIONS)
    return store_db.pick(sqlite_polls.SqlitePollStore, PostgresPollStore, outbox=True)


def a_poll(*, multiple: bool = False, expires_in_s: float = 600, options: tuple[str, ...] = ("a", "b", "c")) -> Poll:
    return Poll(
        id=new_id(),
        status_id=new_id(),
        account_id=ALICE,
        options=options,
        expires_at=NOW + dt.timedelta(seconds=expires_in_s),
        multiple=multiple,
        hide_totals=True,
    )


def announce(poll: Poll, voters: list[int]) -> list[tuple[str, Event]]:
    return [(POSTS, Event("PollExpired", str(poll.account_id), {"poll_id": poll.id, "voter_ids": voters}))]


async def test_create_read_and_vote_once(store: PollStore) -> None:
    poll = a_poll()
    await store.create(poll)
    got = await store.get(poll.id)
    assert got is not None and got.options == ("a", "b", "c") and got.hide_totals and not got.multiple
    assert abs((got.expires_at - poll.expires_at).total_seconds()) < 0.002
    assert got.tallies == (0, 0, 0) and got.voters_count == 0
    assert await store.get(new_id()) is None
    assert await store.vote(poll.id, BOB, [1], NOW) == "voted"
    assert await store.vote(poll.id, BOB, [2], NOW) == "already_voted"
    assert await store.vote(poll.id, CAROL, [1], NOW) == "voted"
    assert await store.vote(new_id(), CAROL, [1], NOW) == "missing"
    by_status = await store.for_statuses([poll.status_id, new_id()])
    assert list(by_status) == [poll.status_id]
    assert by_status[poll.status_id].tallies == (0, 2, 0) and by_status[poll.status_id].voters_count == 2
    assert await store.own_votes(BOB, [poll.id, new_id()]) == {poll.id: [1]}
    assert await store.own_votes(ALICE, [poll.id]) == {}


async def test_multiple_choice_once_per_option_and_nothing_after_expiry(store: PollStore) -> None:
    poll = a_poll(multiple=True)
    await store.create(poll)
    assert await store.vote(poll.id, BOB, [0, 2], NOW) == "voted"
    assert await store.vote(poll.id, BOB, [2, 1], NOW) == "already_voted"  # all or nothing
    assert await store.own_votes(BOB, [poll.id]) == {poll.id: [0, 2]}
    assert await store.vote(poll.id, BOB, [1], NOW) == "voted"
    got = await store.get(poll.id)
    assert got is not None and got.tallies == (1, 1, 1) and got.voters_count == 1 and got.votes_count == 3
    later = NOW + dt.timedelta(seconds=601)
    assert await store.vote(poll.id, CAROL, [0], later) == "expired"


async def test_edit_keeps_or_resets_votes_and_removal(store: PollStore) -> None:
    poll = a_poll()
    await store.create(poll)
    await store.vote(poll.id, BOB, [0], NOW)
    await store.replace(Poll(poll.id, poll.status_id, ALICE, poll.options, poll.expires_at), reset_votes=False)
    kept = await store.get(poll.id)
    assert kept is not None and kept.tallies == (1, 0, 0) and not kept.hide_totals
    await store.replace(Poll(poll.id, poll.status_id, ALICE, ("x", "y"), poll.expires_at), reset_votes=True)
    reset = await store.get(poll.id)
    assert reset is not None and reset.options == ("x", "y") and reset.tallies == (0, 0)
    assert await store.own_votes(BOB, [poll.id]) == {}
    await store.remove_for_status(poll.status_id)
    assert await store.get(poll.id) is None and await store.for_statuses([poll.status_id]) == {}


async def test_racing_closers_close_each_expired_poll_once(store_db: StoreDb, store: PollStore) -> None:
    expired = [a_poll(expires_in_s=-1) for _ in range(6)]
    still_open = a_poll()
    for poll in (*expired, still_open):
        await store.create(poll)
    await store.vote(expired[0].id, BOB, [0], NOW - dt.timedelta(seconds=5))
    await store.vote(expired[0].id, CAROL, [1], NOW - dt.timedelta(seconds=5))
    before = {row_id for row_id, _, _ in await store_db.outbox.pending(100)}
    # several closers at once, as several processes would run them (PostgreSQL: their own connections)
    rounds = await asyncio.gather(*(store.close_expired(NOW, 2, announce) for _ in range(4)))
    rounds.append(await store.close_expired(NOW, 100, announce))
    closed = [poll.id for batch in rounds for poll in batch]
    assert sorted(closed) == sorted(p.id for p in expired)  # every expired one, none twice
    assert await store.close_expired(NOW, 100, announce) == []
    events = [e for row_id, _, e in await store_db.outbox.pending(100) if row_id not in before]
    assert sorted(e.payload["poll_id"] for e in events) == sorted(closed)
    first = next(e for e in events if e.payload["poll_id"] == expired[0].id)
    assert first.payload["voter_ids"] == [BOB, CAROL]
