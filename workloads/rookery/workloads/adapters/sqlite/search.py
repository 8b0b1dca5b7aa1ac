"""Embedded SearchIndex: SQLite FTS5 tables beside the other embedded stores.

Accounts: FTS5 over username and display name (``unicode61``, ``_`` kept in words, diacritics
kept as OpenSearch's standard analyzer keeps them), every query word a prefix. Statuses: FTS5
over the text, every word must match, the last one as a prefix; a side table keeps author,
visibility and mentions for the viewer rules.
Hashtags: one row per (tag, public or unlisted status), counted for search and daily history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.search import (
    AccountDocument,
    StatusDocument,
    StatusSearch,
    TagUse,
    fts_account_query,
    fts_status_query,
    tag_prefix,
)
from rookery.workloads.domain.statuses import created_at_of

LISTED = ("public", "unlisted")

MIGRATIONS = load_migrations("search", 1)


class SqliteSearchIndex:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def setup(self) -> None:  # the tables come with the embedded migrations
        return None

    async def close(self) -> None:
        return None

    # --- accounts -------------------------------------------------------------------------

    async def index_accounts(self, documents: Sequence[AccountDocument]) -> None:
        if not documents:
            return
        async with self.db.transaction() as tx:
            for doc in documents:
                await tx.execute("DELETE FROM search_accounts WHERE rowid = ?", (doc.id,))
                await tx.execute(
                    "INSERT INTO search_accounts (rowid, username, display_name, followers, discoverable)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (doc.id, doc.username, doc.display_name, doc.followers_count, int(doc.discoverable)),
                )

    async def delete_account(self, account_id: int) -> None:
        await self.db.execute("DELETE FROM search_accounts WHERE rowid = ?", (account_id,))

    async def search_accounts(
        self, text: str, *, limit: int, offset: int = 0, among: Sequence[int] | None = None
    ) -> list[int]:
        match, exact = fts_account_query(text)
        if match is None or (among is not None and not among):
            return []
        restrict, extra = "", []
        if among is not None:
            restrict = f" AND rowid IN ({placeholders(among)})"
            extra = list(among)
        rows = await self.db.fetchall(
            "SELECT rowid FROM search_accounts WHERE search_accounts MATCH ?"
            f" AND (discoverable = 1 OR lower(username) = ?){restrict}"
            " ORDER BY lower(username) = ? DESC, substr(lower(username), 1, length(?)) = ? DESC,"
            " followers DESC, rowid LIMIT ? OFFSET ?",
            (match, exact, *extra, exact, exact, exact, limit, offset),
        )
        return [row[0] for row in rows]

    # --- statuses and hashtags ------------------------------------------------------------

    async def index_statuses(self, documents: Sequence[StatusDocument]) -> None:
        if not documents:
            return
        async with self.db.transaction() as tx:
            for doc in documents:
                await self._remove(tx, [doc.id])
                await tx.execute(
                    "INSERT INTO search_statuses (rowid, text) VALUES (?, ?)", (doc.id, doc.text)
                )
                await tx.execute(
                    "INSERT INTO search_status_meta (id, account_id, visibility) VALUES (?, ?, ?)",
                    (doc.id, doc.account_id, doc.visibility),
                )
                await tx.executemany(
                    "INSERT OR IGNORE INTO search_status_mentions (status_id, account_id) VALUES (?, ?)",
                    [(doc.id, m) for m in doc.mentions],
                )
                if doc.visibility in LISTED:
                    day = (doc.created_at or created_at_of(doc.id)).astimezone(dt.UTC).date().isoformat()
                    await tx.executemany(
                        "INSERT OR IGNORE INTO search_tags (tag, status_id, account_id, day)"
                        " VALUES (?, ?, ?, ?)",
                        [(tag.lower(), doc.id, doc.account_id, day) for tag in doc.tags],
                    )

    async def delete_statuses(self, status_ids: Sequence[int]) -> None:
        if status_ids:
            async with self.db.transaction() as tx:
                await self._remove(tx, list(status_ids))

    @staticmethod
    async def _remove(tx: object, ids: list[int]) -> None:
        marks = placeholders(ids)
        for table, column in (
            ("search_statuses", "rowid"),
            ("search_status_meta", "id"),
            ("search_status_mentions", "status_id"),
            ("search_tags", "status_id"),
        ):
            await tx.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", ids)  # type: ignore[attr-defined]

    async def search_statuses(self, query: StatusSearch) -> list[int]:
        match = fts_status_query(query.text)
        if match is None:
            return []
        clauses = ["search_statuses MATCH ?"]
        params: list[object] = [match]
        if query.viewer_id is None:
            clauses.append(f"m.visibility IN ({placeholders(LISTED)})")
            params += LISTED
        else:
            clauses.append(
                f"(m.visibility IN ({placeholders(LISTED)}) OR m.account_id = ? OR EXISTS ("
                " SELECT 1 FROM search_status_mentions x WHERE x.account_id = ? AND x.status_id = m.id))"
            )
            params += [*LISTED, query.viewer_id, query.viewer_id]
        if query.exclude_account_ids:
            excluded = sorted(query.exclude_account_ids)
            clauses.append(f"m.account_id NOT IN ({placeholders(excluded)})")
            params += excluded
        if query.account_id is not None:
            clauses.append("m.account_id = ?")
            params.append(query.account_id)
        if query.max_id is not None:
            clauses.append("m.id < ?")
            params.append(query.max_id)
        if query.min_id is not None:
            clauses.append("m.id > ?")
            params.append(query.min_id)
        rows = await self.db.fetchall(
            "SELECT m.id FROM search_statuses JOIN search_status_meta m ON m.id = search_statuses.rowid"
            f" WHERE {' AND '.join(clauses)} ORDER BY m.id DESC LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset),
        )
        return [row[0] for row in rows]

    async def search_hashtags(self, text: str, *, limit: int, offset: int = 0) -> list[str]:
        prefix = tag_prefix(text)
        if prefix is None:
            return []
        rows = await self.db.fetchall(
            "SELECT tag, COUNT(*) AS uses FROM search_tags WHERE tag >= ? AND tag < ?"
            " GROUP BY tag ORDER BY uses DESC, tag LIMIT ? OFFSET ?",
            (prefix, prefix + "\U0010ffff", limit, offset),
        )
        return [row[0] for row in rows]

    async def hashtag_history(self, name: str, days: int, today: dt.date) -> list[TagUse]:
        first = today - dt.timedelta(days=days - 1)
        rows = await self.db.fetchall(
            "SELECT day, COUNT(*), COUNT(DISTINCT account_id) FROM search_tags"
            " WHERE tag = ? AND day >= ? AND day <= ? GROUP BY day",
            (name.lower(), first.isoformat(), today.isoformat()),
        )
        by_day = {dt.date.fromisoformat(row[0]): (row[1], row[2]) for row in rows}
        return [
            TagUse(day, *by_day.get(day, (0, 0)))
            for day in (today - dt.timedelta(days=i) for i in range(days))
        ]
