"""Embedded StatusRepository: statuses, their tags and edit history on the shared SQLite database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import aiosqlite
import orjson

from rookery.workloads.adapters.sql import from_row
from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.paging import QmarkParams, keyset, newest_first
from rookery.workloads.adapters.sqlite.accounts import apply_counts
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
from rookery.workloads.domain.accounts import CountsChange
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import DIRECT, Status, StatusEdit, StatusQuery
from rookery.workloads.domain.timelines import TimelineEntry

MIGRATIONS = load_migrations("posts", 1, 3, 4, 5)

COLUMNS = (
    "id, account_id, text, content, visibility, spoiler_text, sensitive, language, in_reply_to_id,"
    " in_reply_to_account_id, reblog_of_id, mentions, tags, application, edited_at,"
    " replies_count, reblogs_count, favourites_count, media_ids, has_media, conversation_id"
)
HOME_VISIBILITIES = ("public", "unlisted", "private")
QUERY_INLINE_STEPS = 20_000  # VM instructions a page query may spend on the event loop: ~0.7 ms here; a page ~1,000


def placeholders(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class SqliteStatusRepository:
    def __init__(self, db: Database, outbox: SqliteOutbox) -> None:
        self.db = db
        self.outbox = outbox
        self.reader = db.inline

    async def create(
        self,
        status: Status,
        events: OutboxEvents = (),
        idempotency_key: str | None = None,
        version: StatusEdit | None = None,
        counts: Sequence[CountsChange] = (),
    ) -> int:
        async with self.db.transaction() as tx:
            if idempotency_key is not None:
                await tx.execute(
                    "INSERT OR IGNORE INTO status_idempotency (account_id, key, status_id) VALUES (?, ?, ?)",
                    (status.account_id, idempotency_key, status.id),
                )
                cursor = await tx.execute(
                    "SELECT status_id FROM status_idempotency WHERE account_id = ? AND key = ?",
                    (status.account_id, idempotency_key),
                )
                (owner,) = await cursor.fetchone()  # type: ignore[misc]
                if owner != status.id:
                    return int(owner)
            await tx.execute(
                f"INSERT INTO statuses ({COLUMNS}) VALUES ({placeholders(COLUMNS.split(','))})",
                (
                    status.id, status.account_id, status.text, status.content, status.visibility,
                    status.spoiler_text, int(status.sensitive), status.language, status.in_reply_to_id,
                    status.in_reply_to_account_id, status.reblog_of_id, orjson.dumps(list(status.mentions)),
                    orjson.dumps(list(status.tags)), status.application, None, 0, 0, 0,
                    orjson.dumps(list(status.media_ids)), int(bool(status.media_ids)), status.conversation_id,
                ),
            )  # fmt: skip
            if status.tags:
                await tx.executemany(
                    "INSERT OR IGNORE INTO status_tags (tag, status_id) VALUES (?, ?)",
                    [(tag, status.id) for tag in status.tags],
                )
            if status.in_reply_to_id is not None:
                await tx.execute(
                    "UPDATE statuses SET replies_count = replies_count + 1 WHERE id = ?",
                    (status.in_reply_to_id,),
                )
            if status.reblog_of_id is not None:
                await tx.execute(
                    "UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = ?",
                    (status.reblog_of_id,),
                )
            else:
                await self._add_edit(tx, version or _edit_of(status, status.created_at))
            await self.outbox.append(tx, events)
            if counts:
                await apply_counts(tx, counts)
        self.outbox.notify()
        return status.id

    async def get(self, status_id: int) -> Status | None:
        row = self.reader.fetchone(f"SELECT {COLUMNS} FROM statuses WHERE id = ?", (status_id,))
        return from_row.status(row, SQLITE) if row else None

    async def get_many(self, status_ids: Sequence[int]) -> dict[int, Status]:
        if not status_ids:
            return {}
        ids = list(dict.fromkeys(status_ids))
        rows = self.reader.fetchall(f"SELECT {COLUMNS} FROM statuses WHERE id IN ({placeholders(ids)})", ids)
        return {row["id"]: from_row.status(row, SQLITE) for row in rows}

    async def update(self, status: Status, edit: StatusEdit, events: OutboxEvents = ()) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE statuses SET text = ?, content = ?, spoiler_text = ?, sensitive = ?, language = ?,"
                " mentions = ?, tags = ?, media_ids = ?, has_media = ?, edited_at = ? WHERE id = ?",
                (
                    status.text, status.content, status.spoiler_text, int(status.sensitive), status.language,
                    orjson.dumps(list(status.mentions)), orjson.dumps(list(status.tags)),
                    orjson.dumps(list(status.media_ids)), int(bool(status.media_ids)),
                    status.edited_at.isoformat() if status.edited_at else None, status.id,
                ),
            )  # fmt: skip
            await tx.execute("DELETE FROM status_tags WHERE status_id = ?", (status.id,))
            await tx.executemany(
                "INSERT OR IGNORE INTO status_tags (tag, status_id) VALUES (?, ?)",
                [(tag, status.id) for tag in status.tags],
            )
            await self._add_edit(tx, edit)
            await self.outbox.append(tx, events)
        self.outbox.notify()

    async def delete(self, status_id: int, events: OutboxEvents = ()) -> list[int]:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT id, in_reply_to_id, reblog_of_id FROM statuses WHERE id = ? OR reblog_of_id = ?",
                (status_id, status_id),
            ) as cursor:
                rows = list(await cursor.fetchall())
            ids = [row["id"] for row in rows]
            if not ids:
                return []
            for row in rows:
                if row["id"] == status_id and row["in_reply_to_id"] is not None:
                    await tx.execute(
                        "UPDATE statuses SET replies_count = MAX(replies_count - 1, 0) WHERE id = ?",
                        (row["in_reply_to_id"],),
                    )
                if row["id"] == status_id and row["reblog_of_id"] is not None:
                    await tx.execute(
                        "UPDATE statuses SET reblogs_count = MAX(reblogs_count - 1, 0) WHERE id = ?",
                        (row["reblog_of_id"],),
                    )
            marks = placeholders(ids)
            for table in ("status_tags", "status_edits", "favourites", "bookmarks", "status_pins"):
                await tx.execute(f"DELETE FROM {table} WHERE status_id IN ({marks})", ids)
            await tx.execute(f"DELETE FROM statuses WHERE id IN ({marks})", ids)
            await self.outbox.append(tx, events)
        self.outbox.notify()
        return ids

    async def history(self, status_id: int) -> list[StatusEdit]:
        rows = await self.db.fetchall(
            "SELECT status_id, text, content, spoiler_text, sensitive, created_at, media_ids, media_descriptions,"
            " poll_options FROM status_edits WHERE status_id = ? ORDER BY id",
            (status_id,),
        )
        return [
            StatusEdit(
                status_id=row["status_id"],
                text=row["text"],
                content=row["content"],
                spoiler_text=row["spoiler_text"],
                sensitive=bool(row["sensitive"]),
                created_at=dt.datetime.fromisoformat(row["created_at"]),
                media_ids=tuple(orjson.loads(row["media_ids"])),
                media_descriptions=tuple(orjson.loads(row["media_descriptions"])),
                poll_options=tuple(orjson.loads(row["poll_options"])) if row["poll_options"] is not None else None,
            )
            for row in rows
        ]

    async def reblog_by(self, account_id: int, status_id: int) -> Status | None:
        row = await self.db.fetchone(
            f"SELECT {COLUMNS} FROM statuses WHERE reblog_of_id = ? AND account_id = ?",
            (status_id, account_id),
        )
        return from_row.status(row, SQLITE) if row else None

    async def reblogger_ids(self, status_id: int) -> list[int]:
        rows = await self.db.fetchall("SELECT account_id FROM statuses WHERE reblog_of_id = ?", (status_id,))
        return [row["account_id"] for row in rows]

    async def reblogs_of(self, status_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("statuses", "reblog_of_id", status_id, "account_id", page)

    async def replies_to(self, status_ids: Sequence[int]) -> list[Status]:
        if not status_ids:
            return []
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM statuses WHERE in_reply_to_id IN ({placeholders(status_ids)})",
            list(status_ids),
        )
        return [from_row.status(row, SQLITE) for row in rows]

    async def query(self, query: StatusQuery, page: PageRequest) -> list[Status]:
        clauses = [f"visibility IN ({placeholders(query.visibilities)})"]
        params: list[Any] = list(query.visibilities)
        if query.account_id is not None:
            clauses.append("account_id = ?")
            params.append(query.account_id)
        if query.exclude_replies:
            clauses.append("(in_reply_to_id IS NULL OR in_reply_to_account_id = account_id)")
        if query.exclude_reblogs or not query.include_reblogs:
            clauses.append("reblog_of_id IS NULL")
        if query.only_media:
            clauses.append("has_media = 1")
        any_tags = [*query.any_tags, *([query.tagged] if query.tagged else [])]
        if any_tags:
            clauses.append(
                f"id IN (SELECT status_id FROM status_tags WHERE tag IN ({placeholders(any_tags)}))"
            )
            params.extend(any_tags)
        for tag in query.all_tags:
            clauses.append("id IN (SELECT status_id FROM status_tags WHERE tag = ?)")
            params.append(tag)
        if query.none_tags:
            clauses.append(
                "id NOT IN (SELECT status_id FROM status_tags"
                f" WHERE tag IN ({placeholders(query.none_tags)}))"
            )
            params.extend(query.none_tags)
        p = QmarkParams(*params)
        sql = f"SELECT {COLUMNS} FROM statuses {keyset(page, p, clauses)}"
        # inline when the page is found in a short scan (most are); a long one goes to the thread
        rows = self.reader.fetchall_within(sql, p.values, QUERY_INLINE_STEPS)
        if rows is None:
            rows = await self.db.fetchall(sql, p.values)
        return newest_first([from_row.status(row, SQLITE) for row in rows], page)

    async def by_authors(self, account_ids: Sequence[int], page: PageRequest) -> list[TimelineEntry]:
        if not account_ids:
            return []
        p = QmarkParams(*account_ids, DIRECT)
        tail = keyset(page, p, [f"s.account_id IN ({placeholders(account_ids)})", "s.visibility != ?"], "s.id")
        # inline: merged into every home read that follows an account above the fan-out threshold
        rows = self.reader.fetchall(
            "SELECT s.id, s.account_id, s.reblog_of_id, o.account_id AS reblog_account_id, s.visibility,"
            f" s.in_reply_to_account_id FROM statuses s LEFT JOIN statuses o ON o.id = s.reblog_of_id {tail}",
            p.values,
        )
        return newest_first(from_row.timeline_entries(rows), page)

    async def tag_usage(self, account_id: int, tags: Sequence[str] | None, limit: int) -> list[tuple[str, int, int]]:
        names = [t.lower() for t in tags] if tags is not None else None
        if names == []:
            return []
        only = f" AND t.tag IN ({placeholders(names)})" if names else ""
        rows = await self.db.fetchall(
            "SELECT t.tag, COUNT(*), MAX(s.id) FROM status_tags t JOIN statuses s ON s.id = t.status_id"
            " WHERE s.account_id = ? AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL"
            f"{only} GROUP BY t.tag ORDER BY COUNT(*) DESC, MAX(s.id) DESC LIMIT ?",
            (account_id, *(names or ()), limit),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def _add_edit(self, tx: aiosqlite.Connection, edit: StatusEdit) -> None:
        poll_options = orjson.dumps(list(edit.poll_options)) if edit.poll_options is not None else None
        await tx.execute(
            "INSERT INTO status_edits (status_id, text, content, spoiler_text, sensitive, created_at, media_ids,"
            " media_descriptions, poll_options) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                edit.status_id, edit.text, edit.content, edit.spoiler_text, int(edit.sensitive),
                edit.created_at.isoformat(), orjson.dumps(list(edit.media_ids)),
                orjson.dumps(list(edit.media_descriptions)), poll_options,
            ),
        )  # fmt: skip


def _edit_of(status: Status, at: dt.datetime) -> StatusEdit:
    return StatusEdit(
        status.id, status.text, status.content, status.spoiler_text, status.sensitive, at, media_ids=status.media_ids
    )
