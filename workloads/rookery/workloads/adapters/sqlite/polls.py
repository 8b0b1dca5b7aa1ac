"""Embedded PollStore on the shared SQLite database (one writer: its transactions serialise votes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.polls import Poll
from rookery.workloads.ports.posts import PollAnnouncer, VoteOutcome

MIGRATIONS = load_migrations("polls", 1)

COLUMNS = "id, status_id, account_id, options, expires_at_ms, multiple, hide_totals"


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _poll(row: Any, tallies: dict[int, dict[int, int]], voters: dict[int, int]) -> Poll:
    options = tuple(orjson.loads(row["options"]))
    counts = tallies.get(row["id"], {})
    return Poll(
        id=row["id"],
        status_id=row["status_id"],
        account_id=row["account_id"],
        options=options,
        expires_at=dt.datetime.fromtimestamp(row["expires_at_ms"] / 1000, dt.UTC),
        multiple=bool(row["multiple"]),
        hide_totals=bool(row["hide_totals"]),
        tallies=tuple(counts.get(i, 0) for i in range(len(options))),
        voters_count=voters.get(row["id"], 0),
    )


class SqlitePollStore:
    def __init__(self, db: Database, outbox: SqliteOutbox) -> None:
        self.db = db
        self.outbox = outbox

    async def _with_tallies(self, rows: list[Any]) -> list[Poll]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        tallies: dict[int, dict[int, int]] = {}
        for vote in await self.db.fetchall(
            f"SELECT poll_id, choice, COUNT(*) AS n FROM poll_votes WHERE poll_id IN ({placeholders(ids)})"
            " GROUP BY poll_id, choice",
            ids,
        ):
            tallies.setdefault(vote["poll_id"], {})[vote["choice"]] = vote["n"]
        voters = {
            row["poll_id"]: row["n"]
            for row in await self.db.fetchall(
                f"SELECT poll_id, COUNT(DISTINCT account_id) AS n FROM poll_votes"
                f" WHERE poll_id IN ({placeholders(ids)}) GROUP BY poll_id",
                ids,
            )
        }
        return [_poll(row, tallies, voters) for row in rows]

    async def create(self, poll: Poll) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO polls ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    poll.id, poll.status_id, poll.account_id, orjson.dumps(list(poll.options)),
                    _ms(poll.expires_at), int(poll.multiple), int(poll.hide_totals),
                ),
            )  # fmt: skip

    async def get(self, poll_id: int) -> Poll | None:
        rows = await self.db.fetchall(f"SELECT {COLUMNS} FROM polls WHERE id = ?", (poll_id,))
        found = await self._with_tallies(rows)
        return found[0] if found else None

    async def for_statuses(self, status_ids: Sequence[int]) -> dict[int, Poll]:
        ids = list(dict.fromkeys(status_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(f"SELECT {COLUMNS} FROM polls WHERE status_id IN ({placeholders(ids)})", ids)
        return {poll.status_id: poll for poll in await self._with_tallies(rows)}

    async def own_votes(self, account_id: int, poll_ids: Sequence[int]) -> dict[int, list[int]]:
        ids = list(dict.fromkeys(poll_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT poll_id, choice FROM poll_votes WHERE account_id = ? AND poll_id IN ({placeholders(ids)})"
            " ORDER BY choice",
            [account_id, *ids],
        )
        votes: dict[int, list[int]] = {}
        for row in rows:
            votes.setdefault(row["poll_id"], []).append(row["choice"])
        return votes

    async def vote(self, poll_id: int, account_id: int, choices: Sequence[int], now: dt.datetime) -> VoteOutcome:
        async with self.db.transaction() as tx:
            async with tx.execute("SELECT expires_at_ms, multiple FROM polls WHERE id = ?", (poll_id,)) as cur:
                poll = await cur.fetchone()
            if poll is None:
                return "missing"
            if poll["expires_at_ms"] <= _ms(now):
                return "expired"
            async with tx.execute(
                "SELECT choice FROM poll_votes WHERE poll_id = ? AND account_id = ?", (poll_id, account_id)
            ) as cur:
                before = {row["choice"] for row in await cur.fetchall()}
            if before and (not poll["multiple"] or before & set(choices)):
                return "already_voted"
            await tx.executemany(
                "INSERT INTO poll_votes (poll_id, account_id, choice) VALUES (?, ?, ?)",
                [(poll_id, account_id, choice) for choice in choices],
            )
            return "voted"

    async def replace(self, poll: Poll, *, reset_votes: bool) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE polls SET options = ?, expires_at_ms = ?, multiple = ?, hide_totals = ?, closed = 0"
                " WHERE id = ?",
                (
                    orjson.dumps(list(poll.options)), _ms(poll.expires_at), int(poll.multiple),
                    int(poll.hide_totals), poll.id,
                ),
            )  # fmt: skip
            if reset_votes:
                await tx.execute("DELETE FROM poll_votes WHERE poll_id = ?", (poll.id,))

    async def remove_for_status(self, status_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM poll_votes WHERE poll_id IN (SELECT id FROM polls WHERE status_id = ?)", (status_id,)
            )
            await tx.execute("DELETE FROM polls WHERE status_id = ?", (status_id,))

    async def close_expired(self, now: dt.datetime, limit: int, announce: PollAnnouncer) -> list[Poll]:
        closed: list[Poll] = []
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"SELECT {COLUMNS} FROM polls WHERE closed = 0 AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?",
                (_ms(now), limit),
            ) as cur:
                rows = list(await cur.fetchall())
            for row in rows:
                async with tx.execute(
                    "SELECT DISTINCT account_id FROM poll_votes WHERE poll_id = ? ORDER BY account_id", (row["id"],)
                ) as cur:
                    voters = [r["account_id"] for r in await cur.fetchall()]
                poll = dataclasses.replace(_poll(row, {}, {}), voters_count=len(voters))
                await tx.execute("UPDATE polls SET closed = 1 WHERE id = ?", (poll.id,))
                await self.outbox.append(tx, announce(poll, voters))
                closed.append(poll)
        if closed:
            self.outbox.notify()
        return closed
