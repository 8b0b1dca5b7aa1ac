"""Embedded AccountRepository on the shared SQLite database."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence

import aiosqlite

from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.to_row import ACCOUNT_COLUMNS, ACCOUNT_NAMES, DIRECTORY_ORDER
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.accounts import Account, AccountTaken, AccountUsage, CountsChange, merge_counts

MIGRATIONS = load_migrations("accounts", 1)

def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def apply_counts(tx: aiosqlite.Connection, changes: Sequence[CountsChange]) -> None:
    """Counter changes within the caller's open transaction: ``adjust_counts``'s own, or another
    role's write on the shared database that commits with them (SqliteStatusRepository.create)."""
    await tx.executemany(
        "UPDATE accounts SET followers_count = MAX(0, followers_count + ?),"
        " following_count = MAX(0, following_count + ?), statuses_count = MAX(0, statuses_count + ?),"
        " last_status_at = COALESCE(?, last_status_at) WHERE id = ?",
        [
            (
                c.followers,
                c.following,
                c.statuses,
                c.last_status_at.isoformat() if c.last_status_at else None,
                c.account_id,
            )
            for c in merge_counts(changes)
        ],
    )


class SqliteAccountRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.reader = db.inline
        # the instance's numbers (every /api/v1/instance read): a scan of all accounts, kept until
        # anything is committed (the database's data_version, read before the scan, moves)
        self._usage: tuple[tuple[int, dt.date, dt.date], AccountUsage] | None = None

    async def get(self, account_id: int) -> Account | None:
        # one row by its key, asked by most routes (an account's statuses: whether it exists): inline
        row = self.reader.fetchone(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", (account_id,))
        return from_row.account(row, SQLITE) if row else None

    async def get_many(self, account_ids: Sequence[int]) -> dict[int, Account]:
        unique = list(dict.fromkeys(account_ids))
        found: dict[int, Account] = {}
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ({marks})", chunk)
            found.update((row["id"], from_row.account(row, SQLITE)) for row in rows)
        return found

    async def by_username(self, username: str) -> Account | None:
        row = await self.db.fetchone(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?", (username,))
        return from_row.account(row, SQLITE) if row else None

    async def by_email(self, email: str) -> Account | None:
        row = await self.db.fetchone(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = ?", (email,))
        return from_row.account(row, SQLITE) if row else None

    async def search(self, query: str, limit: int, offset: int = 0) -> list[Account]:
        text = query.strip().lstrip("@")
        if not text:
            return []
        prefix = _like_escape(text) + "%"
        anywhere = "%" + _like_escape(text) + "%"
        rows = await self.db.fetchall(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
            " WHERE suspended = 0 AND (username LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\')"
            " ORDER BY (username = ?) DESC, (username LIKE ? ESCAPE '\\') DESC, followers_count DESC, id"
            " LIMIT ? OFFSET ?",
            (prefix, anywhere, text, prefix, limit, offset),
        )
        return [from_row.account(row, SQLITE) for row in rows]

    async def create(self, account: Account) -> None:
        marks = ",".join("?" * 23)
        try:
            async with self.db.transaction() as tx:
                await tx.execute(
                    f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ({marks})", to_row.account(account, SQLITE)
                )
        except sqlite3.IntegrityError as exc:
            what = "E-mail address" if "email" in str(exc) else "Username"
            raise AccountTaken(f"{what} is already taken") from exc

    async def update(self, account: Account) -> None:
        assignments = ", ".join(f"{name} = ?" for name in ACCOUNT_NAMES[1:])
        values = to_row.account(account, SQLITE)
        try:
            async with self.db.transaction() as tx:
                await tx.execute(f"UPDATE accounts SET {assignments} WHERE id = ?", (*values[1:], account.id))
        except sqlite3.IntegrityError as exc:
            raise AccountTaken("Username or e-mail address is already taken") from exc

    async def adjust_counts(
        self,
        account_id: int,
        followers: int = 0,
        following: int = 0,
        statuses: int = 0,
        last_status_at: dt.date | None = None,
    ) -> None:
        async with self.db.transaction() as tx:
            await apply_counts(tx, [CountsChange(account_id, followers, following, statuses, last_status_at)])

    async def directory(self, order: str, limit: int, offset: int = 0) -> list[Account]:
        sql = (
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE suspended = 0 AND discoverable = 1"
            f" ORDER BY {DIRECTORY_ORDER[order]} LIMIT ? OFFSET ?"
        )
        rows = await self.db.fetchall(sql, (limit, offset))
        return [from_row.account(row, SQLITE) for row in rows]

    async def usage(self, month_since: dt.date, halfyear_since: dt.date) -> AccountUsage:
        key = (self.reader.data_version(), month_since, halfyear_since)
        if self._usage is not None and self._usage[0] == key:
            return self._usage[1]
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS users, COALESCE(SUM(statuses_count), 0) AS statuses,"
            " COALESCE(SUM(last_status_at >= ?), 0) AS month, COALESCE(SUM(last_status_at >= ?), 0) AS halfyear"
            " FROM accounts WHERE suspended = 0",
            (month_since.isoformat(), halfyear_since.isoformat()),
        )
        assert row is not None
        usage = AccountUsage(int(row["users"]), int(row["statuses"]), int(row["month"]), int(row["halfyear"]))
        self._usage = (key, usage)
        return usage
