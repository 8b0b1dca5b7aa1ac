"""Embedded GraphStore: follows, follow requests, blocks and mutes on the shared SQLite database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite
import orjson

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.graph import Follow, Mute, Relationship, ViewerRelations
from rookery.workloads.domain.pagination import PageRequest

MIGRATIONS = load_migrations("graph", 1)


def _row_to_follow(row: Any) -> Follow:
    languages = orjson.loads(row["languages"]) if row["languages"] else None
    return Follow(
        account_id=row["account_id"],
        target_id=row["target_id"],
        show_reblogs=bool(row["show_reblogs"]),
        notify=bool(row["notify"]),
        languages=tuple(languages) if languages is not None else None,
    )


def _follow_params(follow: Follow) -> tuple[Any, ...]:
    languages = orjson.dumps(list(follow.languages)) if follow.languages is not None else None
    return (follow.account_id, follow.target_id, int(follow.show_reblogs), int(follow.notify), languages)


class SqliteGraphStore:
    def __init__(self, db: Database, outbox: SqliteOutbox) -> None:
        self.db = db
        self.outbox = outbox
        self.reader = db.inline

    async def _upsert(
        self, table: str, follow: Follow, events: OutboxEvents, tx: aiosqlite.Connection
    ) -> bool:
        async with tx.execute(
            f"SELECT 1 FROM {table} WHERE account_id = ? AND target_id = ?",
            (follow.account_id, follow.target_id),
        ) as cursor:
            existed = await cursor.fetchone() is not None
        await tx.execute(
            f"INSERT INTO {table} (account_id, target_id, show_reblogs, notify, languages)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, target_id) DO UPDATE SET show_reblogs = excluded.show_reblogs,"
            " notify = excluded.notify, languages = excluded.languages",
            _follow_params(follow),
        )
        if not existed:
            await self.outbox.append(tx, events)
        return not existed

    async def follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        async with self.db.transaction() as tx:
            created = await self._upsert("follows", follow, events, tx)
            await tx.execute(
                "DELETE FROM follow_requests WHERE account_id = ? AND target_id = ?",
                (follow.account_id, follow.target_id),
            )
        if created and events:
            self.outbox.notify()
        return created

    async def request_follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        async with self.db.transaction() as tx:
            created = await self._upsert("follow_requests", follow, events, tx)
        if created and events:
            self.outbox.notify()
        return created

    async def unfollow(self, account_id: int, target_id: int, events: OutboxEvents = ()) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM follows WHERE account_id = ? AND target_id = ?", (account_id, target_id)
            )
            removed = cursor.rowcount > 0
            await tx.execute(
                "DELETE FROM follow_requests WHERE account_id = ? AND target_id = ?", (account_id, target_id)
            )
            if removed:
                await self.outbox.append(tx, events)
        if removed and events:
            self.outbox.notify()
        return removed

    async def get_follow(self, account_id: int, target_id: int) -> Follow | None:
        row = await self.db.fetchone(
            "SELECT * FROM follows WHERE account_id = ? AND target_id = ?", (account_id, target_id)
        )
        return _row_to_follow(row) if row else None

    async def take_request(self, account_id: int, target_id: int) -> Follow | None:
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "DELETE FROM follow_requests WHERE account_id = ? AND target_id = ? RETURNING *",
                (account_id, target_id),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return _row_to_follow(row) if row else None

    async def follow_requests(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("follow_requests", "target_id", target_id, "account_id", page)

    async def followers(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("follows", "target_id", target_id, "account_id", page)

    async def following(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("follows", "account_id", account_id, "target_id", page)

    async def blocks(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("blocks", "account_id", account_id, "target_id", page)

    async def mutes(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("mutes", "account_id", account_id, "target_id", page)

    async def follower_ids(self, target_id: int) -> list[int]:
        rows = await self.db.fetchall("SELECT account_id FROM follows WHERE target_id = ?", (target_id,))
        return [row["account_id"] for row in rows]

    async def subscriber_ids(self, target_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT account_id FROM follows WHERE target_id = ? AND notify = 1", (target_id,)
        )
        return [row["account_id"] for row in rows]

    async def following_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]:
        if not target_ids:
            return set()
        rows = self.reader.fetchall(
            "SELECT target_id FROM follows WHERE account_id = ?"
            f" AND target_id IN ({placeholders(target_ids)})",
            [account_id, *target_ids],
        )
        return {row["target_id"] for row in rows}

    async def followers_among(self, target_id: int, account_ids: Sequence[int]) -> set[int]:
        if not account_ids:
            return set()
        rows = await self.db.fetchall(
            "SELECT account_id FROM follows WHERE target_id = ?"
            f" AND account_id IN ({placeholders(account_ids)})",
            [target_id, *account_ids],
        )
        return {row["account_id"] for row in rows}

    async def block(
        self, account_id: int, target_id: int, events: OutboxEvents = ()
    ) -> list[tuple[int, int]]:
        pair = (account_id, target_id, target_id, account_id)
        where = "(account_id = ? AND target_id = ?) OR (account_id = ? AND target_id = ?)"
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO blocks (account_id, target_id) VALUES (?, ?)", (account_id, target_id)
            )
            created = cursor.rowcount > 0
            async with tx.execute(
                f"DELETE FROM follows WHERE {where} RETURNING account_id, target_id", pair
            ) as cur:
                removed = [(row["account_id"], row["target_id"]) for row in await cur.fetchall()]
            await tx.execute(f"DELETE FROM follow_requests WHERE {where}", pair)
            if created:
                await self.outbox.append(tx, events)
        if created and events:
            self.outbox.notify()
        return removed

    async def unblock(self, account_id: int, target_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM blocks WHERE account_id = ? AND target_id = ?", (account_id, target_id)
            )
            return cursor.rowcount > 0

    async def mute(self, mute: Mute) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO mutes (account_id, target_id, notifications) VALUES (?, ?, ?)"
                " ON CONFLICT (account_id, target_id) DO UPDATE SET notifications = excluded.notifications",
                (mute.account_id, mute.target_id, int(mute.notifications)),
            )

    async def unmute(self, account_id: int, target_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM mutes WHERE account_id = ? AND target_id = ?", (account_id, target_id)
            )
            return cursor.rowcount > 0

    async def relationships(self, account_id: int, target_ids: Sequence[int]) -> dict[int, Relationship]:
        ids = list(dict.fromkeys(target_ids))
        result = {target: Relationship(id=target) for target in ids}
        if not ids:
            return result
        marks = placeholders(ids)
        rows = await self.db.fetchall(
            f"SELECT 'following' AS kind, target_id AS other, show_reblogs, notify, languages, 0 AS n"
            f" FROM follows WHERE account_id = ? AND target_id IN ({marks})"
            f" UNION ALL SELECT 'followed_by', account_id, 0, 0, NULL, 0"
            f" FROM follows WHERE target_id = ? AND account_id IN ({marks})"
            f" UNION ALL SELECT 'requested', target_id, 0, 0, NULL, 0"
            f" FROM follow_requests WHERE account_id = ? AND target_id IN ({marks})"
            f" UNION ALL SELECT 'requested_by', account_id, 0, 0, NULL, 0"
            f" FROM follow_requests WHERE target_id = ? AND account_id IN ({marks})"
            f" UNION ALL SELECT 'blocking', target_id, 0, 0, NULL, 0"
            f" FROM blocks WHERE account_id = ? AND target_id IN ({marks})"
            f" UNION ALL SELECT 'blocked_by', account_id, 0, 0, NULL, 0"
            f" FROM blocks WHERE target_id = ? AND account_id IN ({marks})"
            f" UNION ALL SELECT 'muting', target_id, 0, 0, NULL, notifications"
            f" FROM mutes WHERE account_id = ? AND target_id IN ({marks})",
            [account_id, *ids] * 7,
        )
        for row in rows:
            rel = result[row["other"]]
            kind = row["kind"]
            setattr(rel, kind, True)
            if kind == "following":
                rel.showing_reblogs = bool(row["show_reblogs"])
                rel.notifying = bool(row["notify"])
                rel.languages = tuple(orjson.loads(row["languages"])) if row["languages"] else None
            elif kind == "muting":
                rel.muting_notifications = bool(row["n"])
        return result

    async def viewer_relations(self, account_id: int, others: Sequence[int]) -> ViewerRelations:
        ids = [other for other in dict.fromkeys(others) if other != account_id]
        if not ids:
            return ViewerRelations()
        marks = placeholders(ids)
        rows = self.reader.fetchall(
            "SELECT 'f' AS kind, target_id AS other, 1 - show_reblogs AS n FROM follows"
            f" WHERE account_id = ? AND target_id IN ({marks})"
            f" UNION ALL SELECT 'b', target_id, 0 FROM blocks WHERE account_id = ? AND target_id IN ({marks})"
            " UNION ALL SELECT 'B', account_id, 0 FROM blocks"
            f" WHERE target_id = ? AND account_id IN ({marks})"
            " UNION ALL SELECT 'm', target_id, notifications FROM mutes"
            f" WHERE account_id = ? AND target_id IN ({marks})",
            [account_id, *ids] * 4,
        )
        return _viewer_relations(rows)

    async def all_viewer_relations(self, account_id: int, limit: int) -> ViewerRelations | None:
        rows = await self.db.fetchall(
            "SELECT 'f' AS kind, target_id AS other, 1 - show_reblogs AS n FROM follows WHERE account_id = ?"
            " UNION ALL SELECT 'b', target_id, 0 FROM blocks WHERE account_id = ?"
            " UNION ALL SELECT 'B', account_id, 0 FROM blocks WHERE target_id = ?"
            " UNION ALL SELECT 'm', target_id, notifications FROM mutes WHERE account_id = ? LIMIT ?",
            [account_id] * 4 + [limit + 1],
        )
        return _viewer_relations(rows) if len(rows) <= limit else None


def _viewer_relations(rows: Sequence[Any]) -> ViewerRelations:
    """Rows of (kind, other, n): 'f' followed (n: reblogs hidden), 'b' blocked, 'B' blocked by,
    'm' muted (n: with its notifications)."""
    sets: dict[str, set[int]] = {"f": set(), "b": set(), "B": set(), "m": set(), "n": set(), "r": set()}
    for row in rows:
        sets[row["kind"]].add(row["other"])
        if row["kind"] == "m" and row["n"]:
            sets["n"].add(row["other"])
        elif row["kind"] == "f" and row["n"]:
            sets["r"].add(row["other"])
    return ViewerRelations(
        following=frozenset(sets["f"]),
        blocking=frozenset(sets["b"]),
        blocked_by=frozenset(sets["B"]),
        muting=frozenset(sets["m"]),
        muting_notifications=frozenset(sets["n"]),
        hiding_reblogs=frozenset(sets["r"]),
    )
