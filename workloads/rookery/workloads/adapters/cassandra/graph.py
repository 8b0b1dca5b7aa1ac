"""Cassandra GraphStore: follows, follow requests, blocks and mutes as "relations" of a kind.

Each relation lives in four tables (README "Cassandra tables"): by source (the membership and
options questions), by source and time (paged lists), by target (followers of, blocked by,
requested by), by target and time (paged followers and requests). The row in
``relations_by_source`` is the relation's truth: a conditional write there (IF NOT EXISTS /
IF EXISTS, LOCAL_SERIAL) decides whether a change is new, so counters move once however often a
request is replayed; the three mirrors are written after it in one logged batch, and are
re-written (idempotently) whenever a follow is seen again, which repairs a half-done write.

Cassandra has no transaction to share with an outbox: the events of a change are appended to the
outbox of the posts store (``EventSink``) right after the change is written, only when it is new.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cassandra.query import BatchStatement, BatchType

from rookery.workloads.adapters.cassandra.paging import bounds, register_keyset
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.adapters.sql.paging import newest_first
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.graph import Follow, Mute, Relationship, ViewerRelations
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

FOLLOW, REQUEST, BLOCK, MUTE = "follow", "request", "block", "mute"
# a marker row in relations_by_target only, present while a follow asks for notifications of new posts
SUBSCRIBED = "subscribed"
KINDS = (FOLLOW, REQUEST, BLOCK, MUTE)

# appends events to an outbox in their own transaction (see bootstrap: the posts store's outbox)
EventSink = Callable[[OutboxEvents], Awaitable[None]]


async def _no_events(events: OutboxEvents) -> None:
    if events:
        raise RuntimeError("this CassandraGraphStore has no event sink")


class CassandraGraphStore:
    def __init__(self, session: CassandraSession, events: EventSink = _no_events) -> None:
        self.session = session
        self.events = events
        r = session.register
        self._get = r(
            "SELECT relation_id, show_reblogs, notify, languages, notifications FROM relations_by_source"
            " WHERE account_id = ? AND kind = ? AND target_id = ?",
            write=False,
        )
        self._insert_if_new = r(
            "INSERT INTO relations_by_source (account_id, kind, target_id, relation_id, show_reblogs, notify,"
            " languages, notifications) VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
            write=True,
            idempotent=False,
        )
        self._update_options = r(
            "UPDATE relations_by_source SET show_reblogs = ?, notify = ?, languages = ?, notifications = ?"
            " WHERE account_id = ? AND kind = ? AND target_id = ?",
            write=True,
        )
        self._delete_if_exists = r(
            "DELETE FROM relations_by_source WHERE account_id = ? AND kind = ? AND target_id = ? IF EXISTS",
            write=True,
            idempotent=False,
        )
        self._mirror_source_time = r(
            "INSERT INTO relations_by_source_time (account_id, kind, relation_id, target_id)"
            " VALUES (?, ?, ?, ?)",
            write=True,
        )
        self._mirror_target = r(
            "INSERT INTO relations_by_target (target_id, kind, account_id, relation_id) VALUES (?, ?, ?, ?)",
            write=True,
        )
        self._mirror_target_time = r(
            "INSERT INTO relations_by_target_time (target_id, kind, relation_id, account_id)"
            " VALUES (?, ?, ?, ?)",
            write=True,
        )
        self._unmirror_source_time = r(
            "DELETE FROM relations_by_source_time WHERE account_id = ? AND kind = ? AND relation_id = ?",
            write=True,
        )
        self._unmirror_target = r(
            "DELETE FROM relations_by_target WHERE target_id = ? AND kind = ? AND account_id = ?", write=True
        )
        self._unmirror_target_time = r(
            "DELETE FROM relations_by_target_time WHERE target_id = ? AND kind = ? AND relation_id = ?",
            write=True,
        )
        self._source_page = register_keyset(
            session,
            "SELECT relation_id, target_id FROM relations_by_source_time WHERE account_id = ? AND kind = ?",
            "relation_id",
            "kind DESC, relation_id ASC",
        )
        self._target_page = register_keyset(
            session,
            "SELECT relation_id, account_id FROM relations_by_target_time WHERE target_id = ? AND kind = ?",
            "relation_id",
            "kind DESC, relation_id ASC",
        )
        self._all_sources = r(
            "SELECT account_id FROM relations_by_target WHERE target_id = ? AND kind = ?", write=False
        )
        self._out_among = r(
            "SELECT kind, target_id, show_reblogs, notify, languages, notifications FROM relations_by_source"
            " WHERE account_id = ? AND kind IN ? AND target_id IN ?",
            write=False,
        )
        self._in_among = r(
            "SELECT kind, account_id FROM relations_by_target WHERE target_id = ?"
            " AND kind IN ? AND account_id IN ?",
            write=False,
        )
        self._out_all = r(
            "SELECT kind, target_id, show_reblogs, notify, languages, notifications FROM relations_by_source"
            " WHERE account_id = ? AND kind IN ? LIMIT ?",
            write=False,
        )
        self._in_all = r(
            "SELECT kind, account_id FROM relations_by_target WHERE target_id = ? AND kind IN ? LIMIT ?",
            write=False,
        )

    # -- the write protocol -----------------------------------------------------------------------

    async def _mirrors(
        self, kind: str, account_id: int, target_id: int, relation_id: int, *, add: bool
    ) -> None:
        batch = BatchStatement(batch_type=BatchType.LOGGED, consistency_level=self.session.write_cl)
        batch.is_idempotent = True
        prepared = self.session.prepared
        if add:
            batch.add(prepared(self._mirror_source_time), (account_id, kind, relation_id, target_id))
            batch.add(prepared(self._mirror_target), (target_id, kind, account_id, relation_id))
            batch.add(prepared(self._mirror_target_time), (target_id, kind, relation_id, account_id))
        else:
            batch.add(prepared(self._unmirror_source_time), (account_id, kind, relation_id))
            batch.add(prepared(self._unmirror_target), (target_id, kind, account_id))
            batch.add(prepared(self._unmirror_target_time), (target_id, kind, relation_id))
        await self.session.execute_statement(batch)

    async def _add(
        self, kind: str, account_id: int, target_id: int, options: tuple[Any, ...] = (None, None, None, None)
    ) -> bool:
        """Create the relation unless it exists (then only its options change); True when new."""
        relation_id = new_id()
        applied = _applied(
            await self.session.execute(
                self._insert_if_new, (account_id, kind, target_id, relation_id, *options)
            )
        )
        created = applied
        if not applied:
            rows = await self.session.execute(self._get, (account_id, kind, target_id))
            if rows:
                # a replay of our own insert (the driver retried after a timeout) reads as "exists"
                created = rows[0][0] == relation_id
                relation_id = rows[0][0]
                if not created:
                    await self.session.execute(self._update_options, (*options, account_id, kind, target_id))
        await self._mirrors(kind, account_id, target_id, relation_id, add=True)
        notify = bool(options[1])
        # a new follow has no marker to remove: deleting one anyway would leave a tombstone per
        # follower in the partition every post's subscriber read scans (10,000 for 10,000 followers)
        if kind == FOLLOW and (notify or not created):
            await self._subscription(account_id, target_id, relation_id, on=notify)
        return created

    async def _subscription(self, account_id: int, target_id: int, relation_id: int, *, on: bool) -> None:
        if on:
            await self.session.execute(self._mirror_target, (target_id, SUBSCRIBED, account_id, relation_id))
        else:
            await self.session.execute(self._unmirror_target, (target_id, SUBSCRIBED, account_id))

    async def _remove(self, kind: str, account_id: int, target_id: int) -> dict[str, Any] | None:
        """Remove the relation; its stored row when this call removed it, else None."""
        rows = await self.session.execute(self._get, (account_id, kind, target_id))
        if not rows:
            return None
        relation_id, show_reblogs, notify, languages, notifications = rows[0]
        deleted = _applied(await self.session.execute(self._delete_if_exists, (account_id, kind, target_id)))
        await self._mirrors(kind, account_id, target_id, relation_id, add=False)
        if kind == FOLLOW:
            await self._subscription(account_id, target_id, relation_id, on=False)
        if not deleted:
            return None
        return {
            "relation_id": relation_id,
            "show_reblogs": show_reblogs,
            "notify": notify,
            "languages": languages,
            "notifications": notifications,
        }

    # -- follows ----------------------------------------------------------------------------------

    @staticmethod
    def _follow_options(follow: Follow) -> tuple[Any, ...]:
        languages = list(follow.languages) if follow.languages is not None else None
        return (follow.show_reblogs, follow.notify, languages, None)

    async def follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        created = await self._add(FOLLOW, follow.account_id, follow.target_id, self._follow_options(follow))
        await self._remove(REQUEST, follow.account_id, follow.target_id)
        if created and events:
            await self.events(events)
        return created

    async def request_follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        created = await self._add(REQUEST, follow.account_id, follow.target_id, self._follow_options(follow))
        if created and events:
            await self.events(events)
        return created

    async def unfollow(self, account_id: int, target_id: int, events: OutboxEvents = ()) -> bool:
        removed = await self._remove(FOLLOW, account_id, target_id) is not None
        await self._remove(REQUEST, account_id, target_id)
        if removed and events:
            await self.events(events)
        return removed

    async def get_follow(self, account_id: int, target_id: int) -> Follow | None:
        rows = await self.session.execute(self._get, (account_id, FOLLOW, target_id))
        if not rows:
            return None
        _, show_reblogs, notify, languages, _ = rows[0]
        return _follow(account_id, target_id, show_reblogs, notify, languages)

    async def take_request(self, account_id: int, target_id: int) -> Follow | None:
        row = await self._remove(REQUEST, account_id, target_id)
        if row is None:
            return None
        return _follow(account_id, target_id, row["show_reblogs"], row["notify"], row["languages"])

    # -- lists ------------------------------------------------------------------------------------

    async def _page(self, by_target: bool, owner: int, kind: str, page: PageRequest) -> list[tuple[int, int]]:
        statements = self._target_page if by_target else self._source_page
        rows = await self.session.execute(statements.of(page), (owner, kind, *bounds(page), page.limit))
        return newest_first([(row[0], row[1]) for row in rows], page)

    async def follow_requests(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page(True, target_id, REQUEST, page)

    async def followers(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page(True, target_id, FOLLOW, page)

    async def following(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page(False, account_id, FOLLOW, page)

    async def blocks(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page(False, account_id, BLOCK, page)

    async def mutes(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page(False, account_id, MUTE, page)

    async def follower_ids(self, target_id: int) -> list[int]:
        return [row[0] for row in await self.session.execute(self._all_sources, (target_id, FOLLOW))]

    async def subscriber_ids(self, target_id: int) -> list[int]:
        return [row[0] for row in await self.session.execute(self._all_sources, (target_id, SUBSCRIBED))]

    async def _out(self, account_id: int, kinds: Sequence[str], ids: Sequence[int]) -> list[Any]:
        if not ids:
            return []
        return await self.session.execute(self._out_among, (account_id, list(kinds), list(ids)))

    async def _in(self, target_id: int, kinds: Sequence[str], ids: Sequence[int]) -> list[Any]:
        if not ids:
            return []
        return await self.session.execute(self._in_among, (target_id, list(kinds), list(ids)))

    async def following_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]:
        return {row[1] for row in await self._out(account_id, [FOLLOW], list(dict.fromkeys(target_ids)))}

    async def followers_among(self, target_id: int, account_ids: Sequence[int]) -> set[int]:
        return {row[1] for row in await self._in(target_id, [FOLLOW], list(dict.fromkeys(account_ids)))}

    # -- blocks and mutes -------------------------------------------------------------------------

    async def block(
        self, account_id: int, target_id: int, events: OutboxEvents = ()
    ) -> list[tuple[int, int]]:
        created = await self._add(BLOCK, account_id, target_id)
        removed = []
        for follower, followed in ((account_id, target_id), (target_id, account_id)):
            if await self._remove(FOLLOW, follower, followed) is not None:
                removed.append((follower, followed))
            await self._remove(REQUEST, follower, followed)
        if created and events:
            await self.events(events)
        return removed

    async def unblock(self, account_id: int, target_id: int) -> bool:
        return await self._remove(BLOCK, account_id, target_id) is not None

    async def mute(self, mute: Mute) -> None:
        await self._add(MUTE, mute.account_id, mute.target_id, (None, None, None, mute.notifications))

    async def unmute(self, account_id: int, target_id: int) -> bool:
        return await self._remove(MUTE, account_id, target_id) is not None

    # -- relationships ----------------------------------------------------------------------------

    async def relationships(self, account_id: int, target_ids: Sequence[int]) -> dict[int, Relationship]:
        ids = list(dict.fromkeys(target_ids))
        result = {target: Relationship(id=target) for target in ids}
        out_rows, in_rows = await asyncio.gather(
            self._out(account_id, KINDS, ids), self._in(account_id, [FOLLOW, REQUEST, BLOCK], ids)
        )
        for kind, other, show_reblogs, notify, languages, notifications in out_rows:
            rel = result[other]
            if kind == FOLLOW:
                rel.following = True
                rel.showing_reblogs = bool(show_reblogs)
                rel.notifying = bool(notify)
                rel.languages = tuple(languages) if languages else None
            elif kind == REQUEST:
                rel.requested = True
            elif kind == BLOCK:
                rel.blocking = True
            else:
                rel.muting = True
                rel.muting_notifications = bool(notifications)
        for kind, other in in_rows:
            rel = result[other]
            if kind == FOLLOW:
                rel.followed_by = True
            elif kind == REQUEST:
                rel.requested_by = True
            else:
                rel.blocked_by = True
        return result

    async def viewer_relations(self, account_id: int, others: Sequence[int]) -> ViewerRelations:
        ids = [other for other in dict.fromkeys(others) if other != account_id]
        if not ids:
            return ViewerRelations()
        out_rows, in_rows = await asyncio.gather(
            self._out(account_id, [FOLLOW, BLOCK, MUTE], ids), self._in(account_id, [BLOCK], ids)
        )
        return _viewer_relations(out_rows, in_rows)

    async def all_viewer_relations(self, account_id: int, limit: int) -> ViewerRelations | None:
        out_rows, in_rows = await asyncio.gather(
            self.session.execute(self._out_all, (account_id, [FOLLOW, BLOCK, MUTE], limit + 1)),
            self.session.execute(self._in_all, (account_id, [BLOCK], limit + 1)),
        )
        if len(out_rows) + len(in_rows) > limit:
            return None
        return _viewer_relations(out_rows, in_rows)


def _viewer_relations(out_rows: Sequence[Any], in_rows: Sequence[Any]) -> ViewerRelations:
    """Rows of ``relations_by_source`` (the viewer's follows, blocks, mutes) and of
    ``relations_by_target`` (the blocks of the viewer) as the viewer's relations."""
    sets: dict[str, set[int]] = {FOLLOW: set(), BLOCK: set(), MUTE: set(), "n": set(), "r": set()}
    for kind, other, show_reblogs, _, _, notifications in out_rows:
        sets[kind].add(other)
        if kind == MUTE and notifications:
            sets["n"].add(other)
        elif kind == FOLLOW and show_reblogs is not None and not show_reblogs:
            sets["r"].add(other)
    return ViewerRelations(
        following=frozenset(sets[FOLLOW]),
        blocking=frozenset(sets[BLOCK]),
        blocked_by=frozenset(row[1] for row in in_rows),
        muting=frozenset(sets[MUTE]),
        muting_notifications=frozenset(sets["n"]),
        hiding_reblogs=frozenset(sets["r"]),
    )


def _applied(rows: list[Any]) -> bool:
    """The ``[applied]`` column of a conditional write's answer."""
    return bool(rows and rows[0][0])


def _follow(account_id: int, target_id: int, show_reblogs: Any, notify: Any, languages: Any) -> Follow:
    return Follow(
        account_id=account_id,
        target_id=target_id,
        show_reblogs=True if show_reblogs is None else bool(show_reblogs),
        notify=bool(notify),
        languages=tuple(languages) if languages is not None else None,
    )
