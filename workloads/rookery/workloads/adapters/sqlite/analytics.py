"""Embedded TrendStore: hourly trend buckets, daily counters, active accounts and per-account
behaviour in SQLite (the in-process aggregator writes here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.analytics import Tally

MIGRATIONS = load_migrations("analytics", 1, 2)
LOG_KEEP = 1_000_000  # newest interaction events kept for the training export
TREND_RETENTION_BUCKETS = 24 * 8  # a week and a day of hourly buckets


class SqliteTrendStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, tally: Tally) -> int | None:
        now = dt.datetime.now(dt.UTC).isoformat()
        day = tally.day.isoformat()
        async with self.db.transaction() as tx:
            seen = await tx.execute(
                "INSERT OR IGNORE INTO analytics_seen (event_id, seen_at) VALUES (?, ?)",
                (tally.event_id, now),
            )
            if seen.rowcount == 0:
                return None
            await tx.execute(
                "INSERT OR IGNORE INTO analytics_active (day, account_id) VALUES (?, ?)",
                (day, tally.account_id),
            )
            if tally.counters:
                await tx.executemany(
                    "INSERT INTO analytics_counters (name, day, amount) VALUES (?, ?, ?)"
                    " ON CONFLICT (name, day) DO UPDATE SET amount = amount + excluded.amount",
                    [(name, day, amount) for name, amount in tally.counters],
                )
            claimed = tally.trend_claim is None
            if tally.trend_claim is not None and tally.trends:
                claim = await tx.execute(
                    "INSERT OR IGNORE INTO analytics_seen (event_id, seen_at) VALUES (?, ?)",
                    (tally.trend_claim, now),
                )
                claimed = claim.rowcount > 0
            if claimed and tally.trends:
                await tx.executemany(
                    "INSERT INTO trend_buckets (kind, key, bucket, amount) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (kind, bucket, key) DO UPDATE SET amount = amount + excluded.amount",
                    list(tally.trends),
                )
            encoded = orjson.dumps(tally.event).decode()
            logged = await tx.execute("INSERT INTO analytics_log (event) VALUES (?)", (encoded,))
            if (logged.lastrowid or 0) % 1000 == 0:  # housekeeping now and then, not on every event
                await self._trim(tx, logged.lastrowid or 0)
            cursor = await tx.execute(
                "SELECT coalesce(max(seq), 0) FROM analytics_behaviour WHERE account_id = ?",
                (tally.account_id,),
            )
            row = await cursor.fetchone()
            seq = int(row[0]) + 1 if row else 1
            await tx.execute(
                "INSERT INTO analytics_behaviour (account_id, seq, event) VALUES (?, ?, ?)",
                (tally.account_id, seq, encoded),
            )
            await tx.execute(
                "DELETE FROM analytics_behaviour WHERE account_id = ? AND seq <= ?",
                (tally.account_id, seq - tally.keep),
            )
            return seq

    @staticmethod
    async def _trim(tx: Any, log_seq: int) -> None:
        await tx.execute("DELETE FROM analytics_log WHERE seq <= ?", (log_seq - LOG_KEEP,))
        oldest = int(dt.datetime.now(dt.UTC).timestamp()) // 3600 - TREND_RETENTION_BUCKETS
        await tx.execute("DELETE FROM trend_buckets WHERE bucket < ?", (oldest,))

    async def first_time(self, event_id: str) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO analytics_seen (event_id, seen_at) VALUES (?, ?)",
                (event_id, dt.datetime.now(dt.UTC).isoformat()),
            )
            return cursor.rowcount > 0

    async def add(self, kind: str, key: str, bucket: int, amount: float) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO trend_buckets (kind, key, bucket, amount) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (kind, bucket, key) DO UPDATE SET amount = amount + excluded.amount",
                (kind, key, bucket, amount),
            )
            await tx.execute(
                "DELETE FROM trend_buckets WHERE kind = ? AND bucket < ?",
                (kind, bucket - TREND_RETENTION_BUCKETS),
            )

    async def top(
        self, kind: str, weights: Sequence[tuple[int, float]], limit: int
    ) -> list[tuple[str, float]]:
        if not weights:
            return []
        by_bucket = dict(weights)
        buckets = list(by_bucket)
        rows = await self.db.fetchall(
            "SELECT key, bucket, amount FROM trend_buckets"
            f" WHERE kind = ? AND bucket IN ({placeholders(buckets)})",
            (kind, *buckets),
        )
        scores: dict[str, float] = {}
        for row in rows:
            scores[row["key"]] = scores.get(row["key"], 0.0) + row["amount"] * by_bucket[row["bucket"]]
        ranked = sorted(((k, s) for k, s in scores.items() if s > 1e-9), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]

    async def count(self, name: str, day: dt.date, amount: int = 1) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO analytics_counters (name, day, amount) VALUES (?, ?, ?)"
                " ON CONFLICT (name, day) DO UPDATE SET amount = amount + excluded.amount",
                (name, day.isoformat(), amount),
            )

    async def counts(self, name: str, days: Sequence[dt.date]) -> list[int]:
        if not days:
            return []
        keys = [d.isoformat() for d in days]
        rows = await self.db.fetchall(
            f"SELECT day, amount FROM analytics_counters WHERE name = ? AND day IN ({placeholders(keys)})",
            (name, *keys),
        )
        found = {row["day"]: int(row["amount"]) for row in rows}
        return [found.get(key, 0) for key in keys]

    async def mark_active(self, day: dt.date, account_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR IGNORE INTO analytics_active (day, account_id) VALUES (?, ?)",
                (day.isoformat(), account_id),
            )

    async def active(self, days: Sequence[dt.date]) -> int:
        if not days:
            return 0
        keys = [d.isoformat() for d in days]
        row = await self.db.fetchone(
            "SELECT count(DISTINCT account_id) AS n FROM analytics_active"
            f" WHERE day IN ({placeholders(keys)})",
            keys,
        )
        return int(row["n"]) if row else 0

    async def append_behaviour(self, account_id: int, event: dict[str, Any], keep: int) -> int:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "SELECT coalesce(max(seq), 0) FROM analytics_behaviour WHERE account_id = ?", (account_id,)
            )
            row = await cursor.fetchone()
            seq = int(row[0]) + 1 if row else 1
            await tx.execute(
                "INSERT INTO analytics_behaviour (account_id, seq, event) VALUES (?, ?, ?)",
                (account_id, seq, orjson.dumps(event).decode()),
            )
            await tx.execute(
                "DELETE FROM analytics_behaviour WHERE account_id = ? AND seq <= ?", (account_id, seq - keep)
            )
            return seq

    async def behaviour(self, account_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT event FROM analytics_behaviour WHERE account_id = ? ORDER BY seq", (account_id,)
        )
        return [orjson.loads(row["event"]) for row in rows]

    async def log(self, event: dict[str, Any]) -> None:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO analytics_log (event) VALUES (?)", (orjson.dumps(event).decode(),)
            )
            seq = cursor.lastrowid or 0
            if seq % 1000 == 0:  # trim now and then, not on every append
                await tx.execute("DELETE FROM analytics_log WHERE seq <= ?", (seq - LOG_KEEP,))

    async def read_log(self, after: str | None, limit: int) -> list[tuple[str, dict[str, Any]]]:
        rows = await self.db.fetchall(
            "SELECT seq, event FROM analytics_log WHERE seq > ? ORDER BY seq LIMIT ?",
            (int(after or 0), limit),
        )
        return [(str(row["seq"]), orjson.loads(row["event"])) for row in rows]

    async def close(self) -> None:
        """The shared database is closed by its owner."""
