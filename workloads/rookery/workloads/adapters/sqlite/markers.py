"""Embedded MarkerStore: a user's last-read position per timeline (home, notifications)."""

from __future__ import annotations

import datetime as dt

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.timelines import Marker

MIGRATIONS = load_migrations("markers", 1)


class SqliteMarkerStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, account_id: int, timelines: list[str]) -> dict[str, Marker]:
        if not timelines:
            return {}
        marks = ",".join("?" * len(timelines))
        rows = await self.db.fetchall(
            f"SELECT * FROM markers WHERE account_id = ? AND timeline IN ({marks})", (account_id, *timelines)
        )
        return {
            row["timeline"]: Marker(
                row["timeline"],
                row["last_read_id"],
                row["version"],
                dt.datetime.fromisoformat(row["updated_at"]),
            )
            for row in rows
        }

    async def save(self, account_id: int, timeline: str, last_read_id: int, at: dt.datetime) -> Marker:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT (account_id, timeline) DO UPDATE SET"
                " last_read_id = excluded.last_read_id, version = markers.version + 1,"
                " updated_at = excluded.updated_at",
                (account_id, timeline, last_read_id, at.isoformat()),
            )
            async with tx.execute(
                "SELECT version FROM markers WHERE account_id = ? AND timeline = ?", (account_id, timeline)
            ) as cursor:
                row = await cursor.fetchone()
        return Marker(timeline, last_read_id, int(row["version"]) if row else 1, at)
