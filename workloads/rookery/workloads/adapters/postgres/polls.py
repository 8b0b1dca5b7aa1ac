"""PollStore on PostgreSQL. A vote locks its poll's row (votes of one poll are serialised, so the
"voted before" check holds under concurrency); closers take expired polls ``FOR UPDATE SKIP
LOCKED`` so that several processes close each poll once, its events in the same transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
from rookery.workloads.domain.polls import Poll
from rookery.workloads.ports.posts import PollAnnouncer, VoteOutcome

COLUMNS = "id, status_id, account_id, options, expires_at, multiple, hide_totals"


def _poll(row: Any, tallies: dict[int, dict[int, int]], voters: dict[int, int]) -> Poll:
    options = tuple(row["options"])
    counts = tallies.get(row["id"], {})
    return Poll(
        id=row["id"],
        status_id=row["status_id"],
        account_id=row["account_id"],
        options=options,
        expires_at=row["expires_at"],
        multiple=row["multiple"],
        hide_totals=row["hide_totals"],
        tallies=tuple(counts.get(i, 0) for i in range(len(options))),
        voters_count=voters.get(row["id"], 0),
    )


class PostgresPollStore:
    def __init__(self, db: PostgresDatabase, outbox: PostgresOutbox) -> None:
        self.db = db
        self.outbox = outbox

    async def _with_tallies(self, rows: list[Any]) -> list[Poll]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        tallies: dict[int, dict[int, int]] = {}
        voters: dict[int, int] = {}
        for row in await self.db.fetch(
            "SELECT poll_id, choice, COUNT(*) AS n, NULL::bigint AS voters FROM poll_votes"
            " WHERE poll_id = ANY($1::bigint[]) GROUP BY poll_id, choice"
            " UNION ALL SELECT poll_id, -1, 0, COUNT(DISTINCT account_id) FROM poll_votes"
            " WHERE poll_id = ANY($1::bigint[]) GROUP BY poll_id",
            ids,
        ):
            if row["choice"] < 0:
                voters[row["poll_id"]] = row["voters"]
            else:
                tallies.setdefault(row["poll_id"], {})[row["choice"]] = row["n"]
        return [_poll(row, tallies, voters) for row in rows]

    async def create(self, poll: Poll) -> None:
        await self.db.execute(
            f"INSERT INTO polls ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            poll.id, poll.status_id, poll.account_id, list(poll.options), poll.expires_at, poll.multiple,
            poll.hide_totals,
        )  # fmt: skip

    async def get(self, poll_id: int) -> Poll | None:
        found = await self._with_tallies(await self.db.fetch(f"SELECT {COLUMNS} FROM polls WHERE id = $1", poll_id))
        return found[0] if found else None

    async def for_statuses(self, status_ids: Sequence[int]) -> dict[int, Poll]:
        ids = list(dict.fromkeys(status_ids))
        if not ids:
            return {}
        rows = await self.db.fetch(f"SELECT {COLUMNS} FROM polls WHERE status_id = ANY($1::bigint[])", ids)
        return {poll.status_id: poll for poll in await self._with_tallies(rows)}

    async def own_votes(self, account_id: int, poll_ids: Sequence[int]) -> dict[int, list[int]]:
        ids = list(dict.fromkeys(poll_ids))
        if not ids:
            return {}
        rows = await self.db.fetch(
            "SELECT poll_id, choice FROM poll_votes WHERE account_id = $1 AND poll_id = ANY($2::bigint[])"
            " ORDER BY choice",
            account_id,
            ids,
        )
        votes: dict[int, list[int]] = {}
        for row in rows:
            votes.setdefault(row["poll_id"], []).append(row["choice"])
        return votes

    async def vote(self, poll_id: int, account_id: int, choices: Sequence[int], now: dt.datetime) -> VoteOutcome:
        async with self.db.transaction() as tx:
            poll = await tx.fetchrow("SELECT expires_at, multiple FROM polls WHERE id = $1 FOR UPDATE", poll_id)
            if poll is None:
                return "missing"
            if poll["expires_at"] <= now:
                return "expired"
            rows = await tx.fetch(
                "SELECT choice FROM poll_votes WHERE poll_id = $1 AND account_id = $2", poll_id, account_id
            )
            before = {row["choice"] for row in rows}
            if before and (not poll["multiple"] or before & set(choices)):
                return "already_voted"
            await tx.executemany(
                "INSERT INTO poll_votes (poll_id, account_id, choice) VALUES ($1, $2, $3)",
                [(poll_id, account_id, choice) for choice in choices],
            )
            return "voted"

    async def replace(self, poll: Poll, *, reset_votes: bool) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE polls SET options = $2, expires_at = $3, multiple = $4, hide_totals = $5, closed = FALSE"
                " WHERE id = $1",
                poll.id, list(poll.options), poll.expires_at, poll.multiple, poll.hide_totals,
            )  # fmt: skip
            if reset_votes:
                await tx.execute("DELETE FROM poll_votes WHERE poll_id = $1", poll.id)

    async def remove_for_status(self, status_id: int) -> None:
        await self.db.execute("DELETE FROM polls WHERE status_id = $1", status_id)  # votes cascade

    async def close_expired(self, now: dt.datetime, limit: int, announce: PollAnnouncer) -> list[Poll]:
        closed: list[Poll] = []
        async with self.db.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT {COLUMNS} FROM polls WHERE NOT closed AND expires_at <= $1"
                " ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                now,
                limit,
            )
            for row in rows:
                voters = [
                    r["account_id"]
                    for r in await tx.fetch(
                        "SELECT DISTINCT account_id FROM poll_votes WHERE poll_id = $1 ORDER BY account_id", row["id"]
                    )
                ]
                poll = dataclasses.replace(_poll(row, {}, {}), voters_count=len(voters))
                await tx.execute("UPDATE polls SET closed = TRUE WHERE id = $1", poll.id)
                await self.outbox.append(tx, announce(poll, voters))
                closed.append(poll)
        if closed:
            self.outbox.notify()
        return closed
