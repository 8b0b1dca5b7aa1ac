"""StatusRepository and InteractionStore on PostgreSQL: statuses, tags, edit history, favourites,
bookmarks and pins. Every write runs in one transaction with its outbox rows."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg

from rookery.workloads.adapters.batched import Batched
from rookery.workloads.adapters.postgres.accounts import counts_update
from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
from rookery.workloads.adapters.sql import from_row
from rookery.workloads.adapters.sql.dialect import POSTGRES
from rookery.workloads.adapters.sql.interactions import TABLES, InteractionTables, viewer_flags
from rookery.workloads.adapters.sql.paging import Params, keyset, newest_first
from rookery.workloads.domain.accounts import CountsChange
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import DIRECT, Status, StatusEdit, StatusQuery, ViewerFlags
from rookery.workloads.domain.timelines import TimelineEntry

COLUMNS = (
    "id, account_id, text, content, visibility, spoiler_text, sensitive, language, in_reply_to_id,"
    " in_reply_to_account_id, reblog_of_id, mentions, tags, media_ids, application, edited_at,"
    " replies_count, reblogs_count, favourites_count, conversation_id"
)


async def _add_tags(conn: asyncpg.Connection, status: Status) -> None:
    if status.tags:
        await conn.execute(
            "INSERT INTO status_tags (tag, status_id) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING",
            list(status.tags),
            status.id,
        )


EDIT_COLUMNS = (
    "status_id, text, content, spoiler_text, sensitive, created_at, media_ids, media_descriptions, poll_options"
)


def _edit_values(edit: StatusEdit) -> tuple[object, ...]:
    """A history row's values, in EDIT_COLUMNS' order."""
    return (
        edit.status_id, edit.text, edit.content, edit.spoiler_text, edit.sensitive, edit.created_at,
        list(edit.media_ids), list(edit.media_descriptions),
        list(edit.poll_options) if edit.poll_options is not None else None,
    )  # fmt: skip


async def _add_edit(conn: asyncpg.Connection, edit: StatusEdit) -> None:
    await conn.execute(
        f"INSERT INTO status_edits ({EDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", *_edit_values(edit)
    )


AuthorsPage = tuple[tuple[int, ...], PageRequest]  # by_authors' question


class PostgresStatusRepository:
    def __init__(self, db: PostgresDatabase, outbox: PostgresOutbox) -> None:
        self.db = db
        self.outbox = outbox
        self._by_authors: Batched[AuthorsPage, list[TimelineEntry]] = Batched(self._read_by_authors)

    async def create(
        self,
        status: Status,
        events: OutboxEvents = (),
        idempotency_key: str | None = None,
        version: StatusEdit | None = None,
        counts: Sequence[CountsChange] = (),
    ) -> int:
        p = Params()
        sql = self._create_statement(p, status, events, counts, version)
        if idempotency_key is None:  # one statement: its own transaction, one round trip
            await self.db.execute(sql, *p.values)
        else:
            async with self.db.transaction() as tx:  # a concurrent twin waits here for the first to commit
                owner = await tx.fetchval(
                    "INSERT INTO status_idempotency (account_id, key, status_id) VALUES ($1, $2, $3)"
                    " ON CONFLICT (account_id, key) DO UPDATE SET key = EXCLUDED.key RETURNING status_id",
                    status.account_id, idempotency_key, status.id,
                )  # fmt: skip
                if owner != status.id:
                    return int(owner)
                await tx.execute(sql, *p.values)
        if events:
            self.outbox.notify()
        return status.id

    def _create_statement(
        self,
        p: Params,
        status: Status,
        events: OutboxEvents,
        counts: Sequence[CountsChange],
        version: StatusEdit | None,
    ) -> str:
        """The status, its tags, its first history version (a reblog has none), the parent's
        replies_count or the original's reblogs_count, the outbox rows and the accounts' counters:
        data-modifying CTEs of one statement, which commit (or fail) together."""
        sid = p(status.id)
        values = ", ".join(
            [sid, *(p(v) for v in (
                status.account_id, status.text, status.content, status.visibility, status.spoiler_text,
                status.sensitive, status.language, status.in_reply_to_id, status.in_reply_to_account_id,
                status.reblog_of_id, list(status.mentions), list(status.tags), list(status.media_ids),
                status.application,
            ))]
        )  # fmt: skip
        conversation = p(status.conversation_id)
        parts = [f"INSERT INTO statuses ({COLUMNS}) VALUES ({values}, NULL, 0, 0, 0, {conversation})"]
        if status.tags:
            tags = p(list(status.tags))
            parts.append(
                f"INSERT INTO status_tags (tag, status_id) SELECT unnest({tags}::text[]), {sid} ON CONFLICT DO NOTHING"
            )
        if status.in_reply_to_id is not None:
            parts.append(f"UPDATE statuses SET replies_count = replies_count + 1 WHERE id = {p(status.in_reply_to_id)}")
        if status.reblog_of_id is not None:
            parts.append(f"UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = {p(status.reblog_of_id)}")
        else:
            first = version or StatusEdit(
                status.id, status.text, status.content, status.spoiler_text, status.sensitive,
                status.created_at, media_ids=status.media_ids,
            )  # fmt: skip
            edit = ", ".join(p(v) for v in _edit_values(first)[1:])
            parts.append(f"INSERT INTO status_edits ({EDIT_COLUMNS}) VALUES ({sid}, {edit})")
        if events:
            parts.append(self.outbox.insert_cte(p, events))
        if counts:
            parts.append(counts_update(p, counts))
        ctes = ", ".join(f"w{i} AS ({part})" for i, part in enumerate(parts))
        return f"WITH {ctes} " + (self.outbox.notify_select(p) if events else "SELECT 1")

    async def get(self, status_id: int) -> Status | None:
        row = await self.db.fetchrow(f"SELECT {COLUMNS} FROM statuses WHERE id = $1", status_id)
        return from_row.status(row, POSTGRES) if row else None

    async def get_many(self, status_ids: Sequence[int]) -> dict[int, Status]:
        if not status_ids:
            return {}
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM statuses WHERE id = ANY($1::bigint[])", list(set(status_ids))
        )
        return {row["id"]: from_row.status(row, POSTGRES) for row in rows}

    async def update(self, status: Status, edit: StatusEdit, events: OutboxEvents = ()) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE statuses SET text = $2, content = $3, spoiler_text = $4, sensitive = $5,"
                " language = $6, mentions = $7, tags = $8, edited_at = $9, media_ids = $10 WHERE id = $1",
                status.id, status.text, status.content, status.spoiler_text, status.sensitive,
                status.language, list(status.mentions), list(status.tags), status.edited_at,
                list(status.media_ids),
            )  # fmt: skip
            await tx.execute("DELETE FROM status_tags WHERE status_id = $1", status.id)
            await _add_tags(tx, status)
            await _add_edit(tx, edit)
            await self.outbox.append(tx, events)
        self.outbox.notify()

    async def delete(self, status_id: int, events: OutboxEvents = ()) -> list[int]:
        async with self.db.transaction() as tx:
            rows = await tx.fetch(
                "SELECT id, in_reply_to_id, reblog_of_id FROM statuses WHERE id = $1 OR reblog_of_id = $1"
                " FOR UPDATE",
                status_id,
            )
            ids = [row["id"] for row in rows]
            if not ids:
                return []
            for row in rows:
                if row["id"] == status_id and row["in_reply_to_id"] is not None:
                    await tx.execute(
                        "UPDATE statuses SET replies_count = GREATEST(replies_count - 1, 0) WHERE id = $1",
                        row["in_reply_to_id"],
                    )
                if row["id"] == status_id and row["reblog_of_id"] is not None:
                    await tx.execute(
                        "UPDATE statuses SET reblogs_count = GREATEST(reblogs_count - 1, 0) WHERE id = $1",
                        row["reblog_of_id"],
                    )
            for table in ("status_tags", "status_edits", "favourites", "bookmarks", "status_pins"):
                await tx.execute(f"DELETE FROM {table} WHERE status_id = ANY($1::bigint[])", ids)
            await tx.execute("DELETE FROM statuses WHERE id = ANY($1::bigint[])", ids)
            await self.outbox.append(tx, events)
        self.outbox.notify()
        return ids

    async def history(self, status_id: int) -> list[StatusEdit]:
        rows = await self.db.fetch(
            "SELECT status_id, text, content, spoiler_text, sensitive, created_at, media_ids, media_descriptions,"
            " poll_options FROM status_edits WHERE status_id = $1 ORDER BY id",
            status_id,
        )
        return [
            StatusEdit(
                row["status_id"], row["text"], row["content"], row["spoiler_text"], row["sensitive"],
                row["created_at"],
                media_ids=tuple(row["media_ids"]),
                media_descriptions=tuple(row["media_descriptions"]),
                poll_options=tuple(row["poll_options"]) if row["poll_options"] is not None else None,
            )
            for row in rows
        ]

    async def reblog_by(self, account_id: int, status_id: int) -> Status | None:
        row = await self.db.fetchrow(
            f"SELECT {COLUMNS} FROM statuses WHERE reblog_of_id = $1 AND account_id = $2",
            status_id,
            account_id,
        )
        return from_row.status(row, POSTGRES) if row else None

    async def reblogger_ids(self, status_id: int) -> list[int]:
        rows = await self.db.fetch("SELECT account_id FROM statuses WHERE reblog_of_id = $1", status_id)
        return [row["account_id"] for row in rows]

    async def reblogs_of(self, status_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("statuses", "reblog_of_id", status_id, "account_id", page)

    async def replies_to(self, status_ids: Sequence[int]) -> list[Status]:
        if not status_ids:
            return []
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM statuses WHERE in_reply_to_id = ANY($1::bigint[])", list(status_ids)
        )
        return [from_row.status(row, POSTGRES) for row in rows]

    async def query(self, query: StatusQuery, page: PageRequest) -> list[Status]:
        p = Params()
        clauses = [f"visibility = ANY({p(list(query.visibilities))}::text[])"]
        if query.account_id is not None:
            clauses.append(f"account_id = {p(query.account_id)}")
        if query.exclude_replies:
            clauses.append("(in_reply_to_id IS NULL OR in_reply_to_account_id = account_id)")
        if query.exclude_reblogs or not query.include_reblogs:
            clauses.append("reblog_of_id IS NULL")
        if query.only_media:
            clauses.append("cardinality(media_ids) > 0")
        any_tags = [*query.any_tags, *([query.tagged] if query.tagged else [])]
        if any_tags:
            clauses.append(
                f"id IN (SELECT status_id FROM status_tags WHERE tag = ANY({p(any_tags)}::text[]))"
            )
        for tag in query.all_tags:
            clauses.append(f"id IN (SELECT status_id FROM status_tags WHERE tag = {p(tag)})")
        if query.none_tags:
            clauses.append(
                "id NOT IN (SELECT status_id FROM status_tags"
                f" WHERE tag = ANY({p(list(query.none_tags))}::text[]))"
            )
        rows = await self.db.fetch(f"SELECT {COLUMNS} FROM statuses {keyset(page, p, clauses)}", *p.values)
        return newest_first([from_row.status(row, POSTGRES) for row in rows], page)

    async def by_authors(self, account_ids: Sequence[int], page: PageRequest) -> list[TimelineEntry]:
        """The celebrity merge of home and list timelines: the readers who ask the same authors' same
        page in one turn of the event loop (everyone who follows the same big accounts, on their
        newest page) share one statement (adapters/batched.py)."""
        if not account_ids:
            return []
        (found,) = await self._by_authors([(tuple(account_ids), page)])
        return list(found)

    async def _read_by_authors(self, asked: list[AuthorsPage]) -> list[list[TimelineEntry]]:
        distinct = list(dict.fromkeys(asked))
        found = await asyncio.gather(*(self._query_by_authors(authors, page) for authors, page in distinct))
        answers = dict(zip(distinct, found, strict=True))
        return [answers[query] for query in asked]

    async def _query_by_authors(self, account_ids: Sequence[int], page: PageRequest) -> list[TimelineEntry]:
        p = Params()
        authors = [f"s.account_id = ANY({p(list(account_ids))}::bigint[])", f"s.visibility != {p(DIRECT)}"]
        tail = keyset(page, p, authors, "s.id")
        rows = await self.db.fetch(
            "SELECT s.id, s.account_id, s.reblog_of_id, o.account_id AS reblog_account_id, s.visibility,"
            f" s.in_reply_to_account_id FROM statuses s LEFT JOIN statuses o ON o.id = s.reblog_of_id {tail}",
            *p.values,
        )
        return newest_first(from_row.timeline_entries(rows), page)

    async def tag_usage(self, account_id: int, tags: Sequence[str] | None, limit: int) -> list[tuple[str, int, int]]:
        names = [t.lower() for t in tags] if tags is not None else None
        if names == []:
            return []
        rows = await self.db.fetch(
            "SELECT t.tag, COUNT(*) AS n, MAX(s.id) AS newest FROM status_tags t JOIN statuses s ON s.id = t.status_id"
            " WHERE s.account_id = $1 AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL"
            " AND ($2::text[] IS NULL OR t.tag = ANY($2::text[]))"
            " GROUP BY t.tag ORDER BY COUNT(*) DESC, MAX(s.id) DESC LIMIT $3",
            account_id,
            names,
            limit,
        )
        return [(row["tag"], row["n"], row["newest"]) for row in rows]


# what each asking viewer ($1, one per status id in $2) has done to those statuses: (viewer, kind,
# status_id), kind f (favourited), b (bookmarked), p (pinned), r (reblogged), m (muted conversation)
VIEWER_FLAGS = (
    "SELECT v.viewer, flag.kind, flag.status_id FROM"
    " (SELECT viewer, array_agg(status_id) AS ids FROM unnest($1::bigint[], $2::bigint[]) AS a(viewer, status_id)"
    " GROUP BY viewer) v,"
    " LATERAL (SELECT 'f' AS kind, status_id FROM favourites"
    " WHERE account_id = v.viewer AND status_id = ANY(v.ids)"
    " UNION ALL SELECT 'b', status_id FROM bookmarks WHERE account_id = v.viewer AND status_id = ANY(v.ids)"
    " UNION ALL SELECT 'p', status_id FROM status_pins WHERE account_id = v.viewer AND status_id = ANY(v.ids)"
    " UNION ALL SELECT 'r', reblog_of_id FROM statuses WHERE account_id = v.viewer AND reblog_of_id = ANY(v.ids)"
    " UNION ALL SELECT 'm', s.id FROM statuses s JOIN conversation_mutes m"
    " ON m.account_id = v.viewer AND m.conversation_id = COALESCE(s.conversation_id, s.id)"
    " WHERE s.id = ANY(v.ids)) flag"
)


class PostgresInteractionStore(InteractionTables):
    db: PostgresDatabase

    def __init__(self, db: PostgresDatabase, outbox: PostgresOutbox) -> None:
        self.db = db
        self.outbox = outbox
        self._flags: Batched[tuple[int, Sequence[int]], ViewerFlags] = Batched(self._read_flags)

    async def _add(self, table: str, account_id: int, status_id: int, events: OutboxEvents = ()) -> bool:
        assert table in TABLES
        async with self.db.transaction() as tx:
            added = await tx.fetchval(
                f"INSERT INTO {table} (account_id, status_id) VALUES ($1, $2)"
                " ON CONFLICT (account_id, status_id) DO NOTHING RETURNING id",
                account_id,
                status_id,
            )
            if added is not None:
                if table == "favourites":
                    await tx.execute(
                        "UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1", status_id
                    )
                await self.outbox.append(tx, events)
        if added is not None and events:
            self.outbox.notify()
        return added is not None

    async def _remove(self, table: str, account_id: int, status_id: int) -> bool:
        assert table in TABLES
        async with self.db.transaction() as tx:
            removed = await tx.fetchval(
                f"DELETE FROM {table} WHERE account_id = $1 AND status_id = $2 RETURNING id",
                account_id,
                status_id,
            )
            if removed is not None and table == "favourites":
                await tx.execute(
                    "UPDATE statuses SET favourites_count = GREATEST(favourites_count - 1, 0) WHERE id = $1",
                    status_id,
                )
        return removed is not None

    async def pinned_ids(self, account_id: int) -> list[int]:
        rows = await self.db.fetch(
            "SELECT status_id FROM status_pins WHERE account_id = $1 ORDER BY id DESC", account_id
        )
        return [row["status_id"] for row in rows]

    async def viewer_flags(self, account_id: int, status_ids: Sequence[int]) -> ViewerFlags:
        if not status_ids:
            return ViewerFlags()
        (found,) = await self._flags([(account_id, status_ids)])
        return found

    async def _read_flags(self, asked: list[tuple[int, Sequence[int]]]) -> list[ViewerFlags]:
        """The flags concurrent pages asked for in one turn of the loop: one statement, each viewer's
        part of it the single-viewer union (a LATERAL per viewer, so its index scans are the same)."""
        rows = await self.db.fetch(
            VIEWER_FLAGS, [viewer for viewer, ids in asked for _ in ids], [i for _, ids in asked for i in ids]
        )
        by_viewer: dict[int, list[asyncpg.Record]] = {}
        for row in rows:
            by_viewer.setdefault(row["viewer"], []).append(row)
        shared = len({viewer for viewer, _ in asked}) < len(asked)  # one viewer, two pages at once
        found = []
        for viewer, ids in asked:
            own = by_viewer.get(viewer, [])
            if shared:
                wanted = set(ids)
                own = [row for row in own if row["status_id"] in wanted]
            found.append(viewer_flags(own))
        return found
