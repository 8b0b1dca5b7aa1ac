"""GraphStore port contract: SQLite (embedded) and Cassandra, each also behind the relations cache
(adapters/cached_relations.py; production puts it in front of Cassandra with Redis).

Changes report whether they are new (the graph service moves counters only then) and record their
events only then; replays change nothing; every list pages newest first by relation id."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra_support import CASSANDRA, cassandra_settings, cassandra_store  # noqa: F401
from contract_support import redis_client, sqlite_database

from rookery.workloads.adapters.cached_relations import RelationsCachingGraphStore
from rookery.workloads.adapters.cassandra.graph import CassandraGraphStore
from rookery.workloads.adapters.memory.entities import MemoryEntityCache
from rookery.workloads.adapters.redis.entities import RedisEntityCache
from rookery.workloads.adapters.sqlite import graph as sqlite_graph
from rookery.workloads.adapters.sqlite import outbox as sqlite_outbox
from rookery.workloads.domain.events import GRAPH, Event
from rookery.workloads.domain.graph import Follow, Mute, ViewerRelations
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

GRAPH_TABLES = (
    "relations_by_source",
    "relations_by_source_time",
    "relations_by_target",
    "relations_by_target_time",
)


class Graph:
    """The store under test and the events it recorded."""

    def __init__(self, store: Any, events: Any) -> None:
        self.store = store
        self._events = events

    async def event_types(self) -> list[str]:
        return list(await self._events())


CASSANDRA_CACHED = pytest.param("cassandra-cached", marks=pytest.mark.needs("cassandra", "redis"))


@pytest.fixture(params=["sqlite", "sqlite-cached", CASSANDRA, CASSANDRA_CACHED])
async def graph(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[Graph]:
    async with _graph(request, tmp_path) as made:
        yield made


@pytest.fixture(params=["sqlite-cached", CASSANDRA_CACHED])
async def cached_graph(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[Graph]:
    async with _graph(request, tmp_path) as made:
        yield made


@contextlib.asynccontextmanager
async def _graph(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[Graph]:
    if request.param.startswith("sqlite"):
        async with sqlite_database(tmp_path / "graph.db", [*sqlite_outbox.MIGRATIONS, *sqlite_graph.MIGRATIONS]) as db:
            outbox = sqlite_outbox.SqliteOutbox(db)

            async def pending() -> list[str]:
                return [event.type for _, _, event in await outbox.pending(100)]

            store: Any = sqlite_graph.SqliteGraphStore(db, outbox)
            if request.param == "sqlite-cached":
                store = RelationsCachingGraphStore(store, MemoryEntityCache())
            yield Graph(store, pending)
    else:
        sunk: list[str] = []

        async def sink(events: Any) -> None:
            sunk.extend(event.type for _, event in events)

        async def recorded() -> list[str]:
            return sunk

        async with cassandra_store(request, GRAPH_TABLES, lambda s: CassandraGraphStore(s, sink)) as cassandra:
            if request.param == "cassandra-cached":
                async with redis_client(request) as client:
                    cache = RedisEntityCache(client, f"g{new_id()}")
                    yield Graph(RelationsCachingGraphStore(cassandra, cache), recorded)
            else:
                yield Graph(cassandra, recorded)


def ids() -> tuple[int, ...]:
    return tuple(new_id() for _ in range(6))


def ev(kind: str) -> list[tuple[str, Event]]:
    return [(GRAPH, Event(type=kind, key="1", payload={}))]


async def test_follow_is_new_once_and_records_its_event_once(graph: Graph) -> None:
    a, b, *_ = ids()
    store = graph.store
    assert await store.follow(Follow(a, b), ev("Followed"))
    assert not await store.follow(Follow(a, b, show_reblogs=False, notify=True), ev("Followed"))  # options only
    assert await graph.event_types() == ["Followed"]
    assert await store.get_follow(a, b) == Follow(a, b, show_reblogs=False, notify=True)
    assert await store.get_follow(b, a) is None
    assert await store.follower_ids(b) == [a]
    assert await store.following_among(a, [b, a]) == {b}
    assert await store.followers_among(b, [a, b]) == {a}
    assert await store.unfollow(a, b, ev("Unfollowed"))
    assert not await store.unfollow(a, b, ev("Unfollowed"))
    assert await graph.event_types() == ["Followed", "Unfollowed"]
    assert await store.follower_ids(b) == []
    assert await store.followers(b, PageRequest()) == []


async def test_lists_page_newest_first(graph: Graph) -> None:
    target, *fans = ids()
    for fan in fans:
        await graph.store.follow(Follow(fan, target))
    pairs = await graph.store.followers(target, PageRequest(limit=10))
    assert [account for _, account in pairs] == fans[::-1]
    rows = [row for row, _ in pairs]
    assert rows == sorted(rows, reverse=True)
    older = await graph.store.followers(target, PageRequest(max_id=rows[1], limit=2))
    assert [account for _, account in older] == [fans[2], fans[1]]
    newer = await graph.store.followers(target, PageRequest(min_id=rows[4], limit=2))
    assert [account for _, account in newer] == [fans[2], fans[1]]
    since = await graph.store.followers(target, PageRequest(since_id=rows[4], limit=2))
    assert [account for _, account in since] == [fans[4], fans[3]]
    following = await graph.store.following(fans[0], PageRequest())
    assert [account for _, account in following] == [target]


async def test_requests_are_taken_once(graph: Graph) -> None:
    a, b, c, *_ = ids()
    store = graph.store
    assert await store.request_follow(Follow(a, c, notify=True), ev("FollowRequested"))
    assert not await store.request_follow(Follow(a, c), ev("FollowRequested"))
    assert await store.request_follow(Follow(b, c))
    assert [acct for _, acct in await store.follow_requests(c, PageRequest())] == [b, a]
    rel = (await store.relationships(a, [c]))[c]
    assert rel.requested and not rel.following
    assert (await store.relationships(c, [a]))[a].requested_by
    taken = await store.take_request(a, c)
    assert taken is not None and taken.account_id == a and taken.target_id == c
    assert await store.take_request(a, c) is None
    assert [acct for _, acct in await store.follow_requests(c, PageRequest())] == [b]
    assert await store.follow(Follow(b, c))  # following drops the pending request
    assert await store.follow_requests(c, PageRequest()) == []
    assert await graph.event_types() == ["FollowRequested"]


async def test_block_cuts_follows_both_ways_and_is_idempotent(graph: Graph) -> None:
    a, b, c, *_ = ids()
    store = graph.store
    await store.follow(Follow(a, b))
    await store.follow(Follow(b, a))
    await store.follow(Follow(c, a))
    await store.request_follow(Follow(b, a))
    removed = await store.block(a, b, ev("Blocked"))
    assert sorted(removed) == sorted([(a, b), (b, a)])
    assert await store.block(a, b, ev("Blocked")) == []
    assert await graph.event_types() == ["Blocked"]
    assert await store.follower_ids(a) == [c]
    assert await store.follow_requests(a, PageRequest()) == []
    assert [t for _, t in await store.blocks(a, PageRequest())] == [b]
    rel = (await store.relationships(a, [b]))[b]
    assert rel.blocking and not rel.following and not rel.followed_by
    assert (await store.relationships(b, [a]))[a].blocked_by
    seen = await store.viewer_relations(b, [a, c, b])
    assert seen.blocked_by == {a} and seen.blocking == frozenset()
    assert await store.unblock(a, b)
    assert not await store.unblock(a, b)
    assert not (await store.relationships(a, [b]))[b].blocking


async def test_mutes_and_relationships(graph: Graph) -> None:
    a, b, c, d, *_ = ids()
    store = graph.store
    await store.mute(Mute(a, b, notifications=False))
    await store.mute(Mute(a, b, notifications=True))  # re-muting updates, no duplicate
    await store.mute(Mute(a, c, notifications=False))
    assert [t for _, t in await store.mutes(a, PageRequest())] == [c, b]
    await store.follow(Follow(a, d, show_reblogs=False, notify=True, languages=("en", "de")))
    await store.follow(Follow(d, a))
    rels = await store.relationships(a, [b, c, d, d])
    assert list(rels) == [b, c, d]
    assert rels[b].muting and rels[b].muting_notifications
    assert rels[c].muting and not rels[c].muting_notifications
    assert rels[d].following and rels[d].followed_by and not rels[d].showing_reblogs and rels[d].notifying
    assert rels[d].languages == ("en", "de")
    seen = await store.viewer_relations(a, [b, c, d])
    assert seen.muting == {b, c} and seen.muting_notifications == {b} and seen.following == {d}
    assert await store.unmute(a, b)
    assert not await store.unmute(a, b)
    assert await store.relationships(a, []) == {}
    assert await store.viewer_relations(a, [a]) == type(seen)()


async def test_subscribers_are_the_followers_who_asked_to_be_notified(graph: Graph) -> None:
    author, loud, quiet, blocked, *_ = ids()
    store = graph.store
    await store.follow(Follow(loud, author, notify=True))
    await store.follow(Follow(quiet, author))
    await store.follow(Follow(blocked, author, notify=True))
    assert sorted(await store.subscriber_ids(author)) == sorted([loud, blocked])
    assert await store.subscriber_ids(loud) == []
    await store.follow(Follow(loud, author, notify=False))  # options changed: no longer subscribed
    await store.follow(Follow(quiet, author, notify=True))
    assert sorted(await store.subscriber_ids(author)) == sorted([quiet, blocked])
    await store.block(author, blocked)  # a block ends the follow and its subscription
    await store.unfollow(quiet, author)
    assert await store.subscriber_ids(author) == []
    await store.follow(Follow(quiet, author))  # followed again, without notifications
    await store.follow(Follow(loud, author, notify=True))
    assert await store.subscriber_ids(author) == [loud]


async def test_viewer_relations_follow_every_change(graph: Graph) -> None:
    """Asked again after each change (a cache in front must not answer the old relations)."""
    a, b, c, d, *_ = ids()
    store = graph.store

    async def seen() -> tuple[set[int], ...]:
        rel = await store.viewer_relations(a, [b, c, d])
        return rel.following, rel.blocking, rel.blocked_by, rel.muting, rel.muting_notifications, rel.hiding_reblogs

    assert await seen() == (set(), set(), set(), set(), set(), set())
    await store.follow(Follow(a, b))
    assert await seen() == ({b}, set(), set(), set(), set(), set())
    assert await store.following_among(a, [b, c]) == {b}
    await store.follow(Follow(a, b, show_reblogs=False))
    assert await seen() == ({b}, set(), set(), set(), set(), {b})
    await store.mute(Mute(a, c, notifications=False))
    assert await seen() == ({b}, set(), set(), {c}, set(), {b})
    await store.mute(Mute(a, c, notifications=True))
    assert await seen() == ({b}, set(), set(), {c}, {c}, {b})
    await store.block(d, a)  # the other side's block: a's view changes too
    assert await seen() == ({b}, set(), {d}, {c}, {c}, {b})
    await store.block(a, b)  # ends a's follow of b
    assert await seen() == (set(), {b}, {d}, {c}, {c}, set())
    assert await store.following_among(a, [b, c]) == set()
    await store.unblock(a, b)
    await store.unblock(d, a)
    await store.unmute(a, c)
    assert await seen() == (set(), set(), set(), set(), set(), set())
    await store.follow(Follow(a, d))
    assert await store.following_among(a, [d]) == {d}
    await store.unfollow(a, d)
    assert await store.following_among(a, [b, c, d]) == set()


async def test_all_viewer_relations_are_every_relation_or_none_past_the_limit(graph: Graph) -> None:
    viewer, quiet, loud, muted, blocked, blocker = ids()
    store = graph.store
    assert await store.all_viewer_relations(viewer, 5) == ViewerRelations()
    await store.follow(Follow(viewer, quiet, show_reblogs=False))
    await store.follow(Follow(viewer, loud))
    await store.mute(Mute(viewer, muted, notifications=True))
    await store.block(viewer, blocked)
    await store.block(blocker, viewer)
    everyone = [quiet, loud, muted, blocked, blocker, new_id()]
    expected = await store.viewer_relations(viewer, everyone)
    assert expected.following == {quiet, loud} and expected.blocked_by == {blocker}  # the setting
    assert await store.all_viewer_relations(viewer, 5) == expected  # five relations
    assert await store.all_viewer_relations(viewer, 4) is None
    assert await store.all_viewer_relations(blocker, 1) == ViewerRelations(blocking=frozenset({viewer}))


class Asked:
    """The cached store's reads of the store behind it, counted."""

    def __init__(self, store: Any, monkeypatch: pytest.MonkeyPatch, *, whole: bool = True) -> None:
        self.pairs: list[list[int]] = []  # accounts asked about, one list per read
        self.whole = 0  # reads of all of a viewer's relations
        inner, read, read_all = store.inner, store.inner.viewer_relations, store.inner.all_viewer_relations

        async def pairs(account_id: int, wanted: list[int]) -> Any:
            self.pairs.append(list(wanted))
            await asyncio.sleep(0.01)  # other requests read the snapshot meanwhile
            return await read(account_id, wanted)

        async def everything(account_id: int, limit: int) -> Any:
            self.whole += 1
            return await read_all(account_id, limit) if whole else None

        monkeypatch.setattr(inner, "viewer_relations", pairs)
        monkeypatch.setattr(inner, "all_viewer_relations", everything)


async def test_a_viewer_with_few_relations_is_read_whole_once(
    cached_graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one read of all of them, accounts never asked about are answered from the snapshot;
    a change of the viewer's relations drops it, and the next read takes them whole again."""
    store = cached_graph.store
    viewer, followed, muted, blocker, stranger, later = ids()
    await store.follow(Follow(viewer, followed))
    await store.mute(Mute(viewer, muted))
    await store.block(blocker, viewer)
    asked = Asked(store, monkeypatch)
    first = await store.viewer_relations(viewer, [followed])
    assert first.following == {followed} and asked.whole == 1
    rest = await store.viewer_relations(viewer, [muted, blocker, stranger, later])
    assert (rest.following, rest.muting, rest.blocked_by) == (set(), {muted}, {blocker})
    assert await store.following_among(viewer, [followed, stranger, later]) == {followed}
    assert asked.whole == 1 and asked.pairs == []
    await store.follow(Follow(viewer, later))
    assert (await store.viewer_relations(viewer, [stranger, later])).following == {later}
    assert await store.following_among(viewer, [followed, later]) == {followed, later}
    assert asked.whole == 2 and asked.pairs == []


async def test_being_followed_or_muted_keeps_the_snapshot_and_being_blocked_drops_it(
    cached_graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = cached_graph.store
    popular, fan, critic, other, *_ = ids()
    asked = Asked(store, monkeypatch)
    assert await store.viewer_relations(popular, [fan, critic, other]) == ViewerRelations()
    await store.follow(Follow(fan, popular))
    await store.mute(Mute(critic, popular))
    await store.unfollow(fan, popular)
    await store.unmute(critic, popular)
    assert await store.viewer_relations(popular, [fan, critic]) == ViewerRelations()
    assert asked.whole == 1
    await store.follow(Follow(fan, popular))
    assert (await store.viewer_relations(fan, [popular])).following == {popular}  # the follower's changed
    await store.block(critic, popular)
    assert (await store.viewer_relations(popular, [critic, fan])).blocked_by == {critic}
    await store.unblock(critic, popular)
    assert (await store.viewer_relations(popular, [critic])).blocked_by == set()
    assert asked.whole == 4 and asked.pairs == []


async def test_a_viewer_with_many_relations_is_read_account_by_account(
    cached_graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_KNOWN relations the snapshot grows by the accounts asked about, and the whole read
    is not tried again until the viewer's next change."""
    from rookery.workloads.adapters import cached_relations

    monkeypatch.setattr(cached_relations, "MAX_KNOWN", 3)
    store = cached_graph.store
    viewer, *others = ids()
    for other in others:
        await store.follow(Follow(viewer, other))
    asked = Asked(store, monkeypatch)
    assert (await store.viewer_relations(viewer, [others[0]])).following == {others[0]}
    assert (await store.viewer_relations(viewer, [others[4], others[0]])).following == {others[0], others[4]}
    assert (await store.viewer_relations(viewer, [others[4], others[0]])).following == {others[0], others[4]}
    assert asked.whole == 1 and asked.pairs == [[others[0]], [others[4]]]
    await store.unfollow(viewer, others[0])  # four left, still more than MAX_KNOWN
    assert (await store.viewer_relations(viewer, [others[0], others[1]])).following == {others[1]}
    assert asked.whole == 2 and asked.pairs[2:] == [sorted([others[0], others[1]])]


async def test_concurrent_misses_of_one_viewer_all_stay_in_the_snapshot(
    cached_graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests of one viewer (one with too many relations to read whole) that miss the snapshot
    at once, each about other accounts, each add theirs: afterwards the store is asked about none
    of them again. Fills from one read would keep only the last one's accounts."""
    store = cached_graph.store
    viewer, *others = ids()
    for other in others[:2]:
        await store.follow(Follow(viewer, other))
    await store.mute(Mute(viewer, others[2]))
    counted = Asked(store, monkeypatch, whole=False)
    asked = counted.pairs
    found = await asyncio.gather(*(store.viewer_relations(viewer, [other]) for other in others))
    assert [r.following for r in found] == [frozenset({o}) if o in others[:2] else frozenset() for o in others]
    assert found[2].muting == frozenset({others[2]})
    assert sorted(a for batch in asked for a in batch) == sorted(others)  # each asked once
    asked.clear()
    everything = await store.viewer_relations(viewer, others)
    assert asked == []  # all in the snapshot
    assert everything.following == frozenset(others[:2]) and everything.muting == frozenset({others[2]})
