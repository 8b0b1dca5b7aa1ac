"""Embedded ModerationStore: reports, account restrictions and hidden statuses in SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.moderation import RESTRICTION_FLAGS, report_conditions
from rookery.workloads.adapters.sql.paging import QmarkParams, keyset, newest_first
from rookery.workloads.adapters.sql.to_row import REPORT_COLUMNS, RESTRICTION_COLUMNS
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.moderation import AccountFilter, AccountRestrictions, HiddenStatus, Report, ReportFilter
from rookery.workloads.domain.pagination import PageRequest

MIGRATIONS = load_migrations("admin", 1)

class SqliteModerationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_report(self, report: Report) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO reports ({REPORT_COLUMNS}) VALUES ({placeholders(range(16))})",
                to_row.report(report, SQLITE),
            )

    async def get_report(self, report_id: int) -> Report | None:
        row = await self.db.fetchone(f"SELECT {REPORT_COLUMNS} FROM reports WHERE id = ?", (report_id,))
        return from_row.report(row, SQLITE) if row else None

    async def save_report(self, report: Report) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT OR REPLACE INTO reports ({REPORT_COLUMNS}) VALUES ({placeholders(range(16))})",
                to_row.report(report, SQLITE),
            )

    async def reports(self, query: ReportFilter, page: PageRequest) -> list[Report]:
        p = QmarkParams()
        tail = keyset(page, p, report_conditions(query, p))
        rows = await self.db.fetchall(f"SELECT {REPORT_COLUMNS} FROM reports {tail}", p.values)
        return newest_first([from_row.report(row, SQLITE) for row in rows], page)

    async def open_report_for(self, target_account_id: int, source: str) -> Report | None:
        row = await self.db.fetchone(
            f"SELECT {REPORT_COLUMNS} FROM reports WHERE target_account_id = ? AND source = ?"
            " AND action_taken_at IS NULL ORDER BY id DESC LIMIT 1",
            (target_account_id, source),
        )
        return from_row.report(row, SQLITE) if row else None

    async def count_reports(self, resolved: bool) -> int:
        condition = "IS NOT NULL" if resolved else "IS NULL"
        row = await self.db.fetchone(f"SELECT count(*) AS n FROM reports WHERE action_taken_at {condition}")
        return int(row["n"]) if row else 0

    async def track_account(self, account_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR IGNORE INTO account_restrictions (account_id, updated_at) VALUES (?, ?)",
                (account_id, dt.datetime.now(dt.UTC).isoformat()),
            )

    async def restrictions(self, account_id: int) -> AccountRestrictions | None:
        row = await self.db.fetchone(
            f"SELECT {RESTRICTION_COLUMNS} FROM account_restrictions WHERE account_id = ?", (account_id,)
        )
        return from_row.restrictions(row, SQLITE) if row else None

    async def restrictions_many(self, account_ids: Sequence[int]) -> dict[int, AccountRestrictions]:
        ids = list(dict.fromkeys(account_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT {RESTRICTION_COLUMNS} FROM account_restrictions"
            f" WHERE account_id IN ({placeholders(ids)})",
            ids,
        )
        return {row["account_id"]: from_row.restrictions(row, SQLITE) for row in rows}

    async def save_restrictions(self, restrictions: AccountRestrictions) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT OR REPLACE INTO account_restrictions ({RESTRICTION_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?)",
                to_row.restrictions(restrictions, SQLITE),
            )

    async def accounts(self, query: AccountFilter, page: PageRequest) -> list[AccountRestrictions]:
        clauses = [f"{flag} = 1" for flag in RESTRICTION_FLAGS if getattr(query, flag)]
        if query.active:
            clauses.append("suspended = 0 AND silenced = 0 AND disabled = 0")
        p = QmarkParams()
        tail = keyset(page, p, clauses, "account_id")
        rows = await self.db.fetchall(f"SELECT {RESTRICTION_COLUMNS} FROM account_restrictions {tail}", p.values)
        return newest_first([from_row.restrictions(row, SQLITE) for row in rows], page)

    async def restricted(self) -> tuple[set[int], set[int]]:
        rows = await self.db.fetchall(
            "SELECT account_id, suspended, silenced FROM account_restrictions"
            " WHERE suspended = 1 OR silenced = 1"
        )
        return (
            {row["account_id"] for row in rows if row["suspended"]},
            {row["account_id"] for row in rows if row["silenced"]},
        )

    async def hide_status(self, hidden: HiddenStatus) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO hidden_statuses (status_id, account_id, report_id, hidden_at)"
                " VALUES (?, ?, ?, ?)",
                (hidden.status_id, hidden.account_id, hidden.report_id, hidden.hidden_at.isoformat()),
            )
            return cursor.rowcount > 0

    async def unhide_status(self, status_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM hidden_statuses WHERE status_id = ?", (status_id,))
            return cursor.rowcount > 0

    async def hidden_statuses(self) -> dict[int, int]:
        rows = await self.db.fetchall("SELECT status_id, account_id FROM hidden_statuses")
        return {row["status_id"]: row["account_id"] for row in rows}
