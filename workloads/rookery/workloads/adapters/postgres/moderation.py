"""ModerationStore on PostgreSQL (migration 0010): reports, account restrictions, hidden statuses."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import POSTGRES
from rookery.workloads.adapters.sql.moderation import RESTRICTION_FLAGS, report_conditions
from rookery.workloads.adapters.sql.paging import Params, keyset, newest_first
from rookery.workloads.adapters.sql.to_row import REPORT_COLUMNS, RESTRICTION_COLUMNS
from rookery.workloads.domain.moderation import AccountFilter, AccountRestrictions, HiddenStatus, Report, ReportFilter
from rookery.workloads.domain.pagination import PageRequest

_REPORT_MARKS = ", ".join(f"${i}" for i in range(1, 17))


class PostgresModerationStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def add_report(self, report: Report) -> None:
        await self.db.execute(
            f"INSERT INTO reports ({REPORT_COLUMNS}) VALUES ({_REPORT_MARKS})", *to_row.report(report, POSTGRES)
        )

    async def get_report(self, report_id: int) -> Report | None:
        row = await self.db.fetchrow(f"SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1", report_id)
        return from_row.report(row, POSTGRES) if row else None

    async def save_report(self, report: Report) -> None:
        await self.db.execute(
            f"INSERT INTO reports ({REPORT_COLUMNS}) VALUES ({_REPORT_MARKS})"
            " ON CONFLICT (id) DO UPDATE SET comment = excluded.comment, status_ids = excluded.status_ids,"
            " updated_at = excluded.updated_at, action_taken_at = excluded.action_taken_at,"
            " action_taken_by_account_id = excluded.action_taken_by_account_id,"
            " assigned_account_id = excluded.assigned_account_id, labels = excluded.labels,"
            " scores = excluded.scores",
            *to_row.report(report, POSTGRES),
        )

    async def reports(self, query: ReportFilter, page: PageRequest) -> list[Report]:
        p = Params()
        tail = keyset(page, p, report_conditions(query, p))
        rows = await self.db.fetch(f"SELECT {REPORT_COLUMNS} FROM reports {tail}", *p.values)
        return newest_first([from_row.report(row, POSTGRES) for row in rows], page)

    async def open_report_for(self, target_account_id: int, source: str) -> Report | None:
        row = await self.db.fetchrow(
            f"SELECT {REPORT_COLUMNS} FROM reports WHERE target_account_id = $1 AND source = $2"
            " AND action_taken_at IS NULL ORDER BY id DESC LIMIT 1",
            target_account_id,
            source,
        )
        return from_row.report(row, POSTGRES) if row else None

    async def count_reports(self, resolved: bool) -> int:
        condition = "IS NOT NULL" if resolved else "IS NULL"
        return int(await self.db.fetchval(f"SELECT count(*) FROM reports WHERE action_taken_at {condition}"))

    async def track_account(self, account_id: int) -> None:
        await self.db.execute(
            "INSERT INTO account_restrictions (account_id, updated_at) VALUES ($1, now())"
            " ON CONFLICT (account_id) DO NOTHING",
            account_id,
        )

    async def restrictions(self, account_id: int) -> AccountRestrictions | None:
        row = await self.db.fetchrow(
            f"SELECT {RESTRICTION_COLUMNS} FROM account_restrictions WHERE account_id = $1", account_id
        )
        return from_row.restrictions(row, POSTGRES) if row else None

    async def restrictions_many(self, account_ids: Sequence[int]) -> dict[int, AccountRestrictions]:
        if not account_ids:
            return {}
        rows = await self.db.fetch(
            f"SELECT {RESTRICTION_COLUMNS} FROM account_restrictions WHERE account_id = ANY($1::bigint[])",
            list(dict.fromkeys(account_ids)),
        )
        return {row["account_id"]: from_row.restrictions(row, POSTGRES) for row in rows}

    async def save_restrictions(self, restrictions: AccountRestrictions) -> None:
        await self.db.execute(
            f"INSERT INTO account_restrictions ({RESTRICTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (account_id) DO UPDATE SET silenced = excluded.silenced,"
            " suspended = excluded.suspended, sensitized = excluded.sensitized,"
            " disabled = excluded.disabled, updated_at = excluded.updated_at",
            *to_row.restrictions(restrictions, POSTGRES),
        )

    async def accounts(self, query: AccountFilter, page: PageRequest) -> list[AccountRestrictions]:
        clauses = [flag for flag in RESTRICTION_FLAGS if getattr(query, flag)]
        if query.active:
            clauses.append("NOT (suspended OR silenced OR disabled)")
        p = Params()
        tail = keyset(page, p, clauses, "account_id")
        rows = await self.db.fetch(f"SELECT {RESTRICTION_COLUMNS} FROM account_restrictions {tail}", *p.values)
        return newest_first([from_row.restrictions(row, POSTGRES) for row in rows], page)

    async def restricted(self) -> tuple[set[int], set[int]]:
        rows = await self.db.fetch(
            "SELECT account_id, suspended, silenced FROM account_restrictions WHERE suspended OR silenced"
        )
        return (
            {row["account_id"] for row in rows if row["suspended"]},
            {row["account_id"] for row in rows if row["silenced"]},
        )

    async def hide_status(self, hidden: HiddenStatus) -> bool:
        inserted = await self.db.fetchval(
            "INSERT INTO hidden_statuses (status_id, account_id, report_id, hidden_at)"
            " VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (status_id) DO NOTHING RETURNING status_id",
            hidden.status_id,
            hidden.account_id,
            hidden.report_id,
            hidden.hidden_at,
        )
        return inserted is not None

    async def unhide_status(self, status_id: int) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM hidden_statuses WHERE status_id = $1 RETURNING status_id", status_id
        )
        return deleted is not None

    async def hidden_statuses(self) -> dict[int, int]:
        rows = await self.db.fetch("SELECT status_id, account_id FROM hidden_statuses")
        return {row["status_id"]: row["account_id"] for row in rows}
