"""Cassandra NotificationStore: one partition per recipient, newest first, every row with a TTL.

``notification_keys`` holds one row per (recipient, type, from, status): a conditional insert there
dedupes a redelivered event (the notify consumer is at-least-once), and a replay of our own insert
is recognised by its id. ``notifications_by_status`` lets a deleted status take its notifications
along without a scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cassandra.query import BatchStatement, BatchType

from rookery.workloads.adapters.cassandra.paging import bounds, register_keyset
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.adapters.sql.paging import newest_first
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest

_COLUMNS = "id, account_id, type, from_account_id, status_id"


def _notification(row: Any) -> Notification:
    return Notification(row[0], row[1], row[2], row[3], row[4] or None)


class CassandraNotificationStore:
    def __init__(self, session: CassandraSession, ttl_s: int = 90 * 86400) -> None:
        self.session = session
        self.ttl_s = ttl_s
        r = session.register
        self._claim = r(
            "INSERT INTO notification_keys (account_id, type, from_account_id, status_id, id)"
            " VALUES (?, ?, ?, ?, ?)"
            " IF NOT EXISTS USING TTL ?",
            write=True,
            idempotent=False,
        )
        self._key = r(
            "SELECT id FROM notification_keys WHERE account_id = ? AND type = ? AND from_account_id = ?"
            " AND status_id = ?",
            write=False,
        )
        self._insert = r(
            f"INSERT INTO notifications ({_COLUMNS}) VALUES (?, ?, ?, ?, ?) USING TTL ?", write=True
        )
        self._insert_by_status = r(
            "INSERT INTO notifications_by_status (status_id, account_id, id, type, from_account_id)"
            " VALUES (?, ?, ?, ?, ?) USING TTL ?",
            write=True,
        )
        self._page = register_keyset(session, f"SELECT {_COLUMNS} FROM notifications WHERE account_id = ?", "id")
        self._get = r(f"SELECT {_COLUMNS} FROM notifications WHERE account_id = ? AND id = ?", write=False)
        self._delete = r("DELETE FROM notifications WHERE account_id = ? AND id = ?", write=True)
        self._delete_key = r(
            "DELETE FROM notification_keys WHERE account_id = ? AND type = ? AND from_account_id = ?"
            " AND status_id = ?",
            write=True,
        )
        self._delete_by_status_row = r(
            "DELETE FROM notifications_by_status WHERE status_id = ? AND account_id = ? AND id = ?",
            write=True,
        )
        self._clear = r("DELETE FROM notifications WHERE account_id = ?", write=True)
        self._clear_keys = r("DELETE FROM notification_keys WHERE account_id = ?", write=True)
        self._by_status = r(
            "SELECT account_id, id, type, from_account_id FROM notifications_by_status WHERE status_id = ?",
            write=False,
        )
        self._delete_by_status = r("DELETE FROM notifications_by_status WHERE status_id = ?", write=True)

    async def add(self, notification: Notification) -> bool:
        n = notification
        status = n.status_id or 0
        claimed = await self.session.execute(
            self._claim, (n.account_id, n.type, n.from_account_id, status, n.id, self.ttl_s)
        )
        if not (claimed and claimed[0][0]):
            rows = await self.session.execute(self._key, (n.account_id, n.type, n.from_account_id, status))
            if not rows or rows[0][0] != n.id:  # someone else's notification (ours would be a replay)
                return False
        batch = BatchStatement(batch_type=BatchType.LOGGED, consistency_level=self.session.write_cl)
        batch.is_idempotent = True
        batch.add(
            self.session.prepared(self._insert),
            (n.id, n.account_id, n.type, n.from_account_id, status, self.ttl_s),
        )
        if n.status_id:
            batch.add(
                self.session.prepared(self._insert_by_status),
                (n.status_id, n.account_id, n.id, n.type, n.from_account_id, self.ttl_s),
            )
        await self.session.execute_statement(batch)
        return True

    async def recent(
        self,
        account_id: int,
        page: PageRequest,
        types: frozenset[str] | None = None,
        from_account_id: int | None = None,
    ) -> list[Notification]:
        if types is not None and not types:
            return []
        upper, lower = bounds(page)
        found: list[Notification] = []
        batch = max(page.limit, 20) if types is None and from_account_id is None else max(4 * page.limit, 80)
        while len(found) < page.limit:
            rows = await self.session.execute(self._page.of(page), (account_id, upper, lower, batch))
            for row in rows:
                n = _notification(row)
                if (types is None or n.type in types) and (
                    from_account_id is None or n.from_account_id == from_account_id
                ):
                    found.append(n)
                    if len(found) == page.limit:
                        break
            if len(rows) < batch:
                break
            if page.ascending:
                lower = rows[-1][0]
            else:
                upper = rows[-1][0]
        return newest_first(found, page)

    async def get(self, account_id: int, notification_id: int) -> Notification | None:
        rows = await self.session.execute(self._get, (account_id, notification_id))
        return _notification(rows[0]) if rows else None

    async def _forget(self, n: Notification) -> None:
        await self.session.execute(self._delete, (n.account_id, n.id))
        await self.session.execute(
            self._delete_key, (n.account_id, n.type, n.from_account_id, n.status_id or 0)
        )
        if n.status_id:
            await self.session.execute(self._delete_by_status_row, (n.status_id, n.account_id, n.id))

    async def dismiss(self, account_id: int, notification_id: int) -> bool:
        found = await self.get(account_id, notification_id)
        if found is None:
            return False
        await self._forget(found)
        return True

    async def clear(self, account_id: int) -> None:
        # notifications_by_status rows left behind point at nothing and expire with their TTL
        await self.session.execute(self._clear, (account_id,))
        await self.session.execute(self._clear_keys, (account_id,))

    async def remove_for_statuses(self, status_ids: Sequence[int]) -> None:
        for status_id in dict.fromkeys(status_ids):
            for account_id, notification_id, kind, from_id in await self.session.execute(
                self._by_status, (status_id,)
            ):
                await self.session.execute(self._delete, (account_id, notification_id))
                await self.session.execute(self._delete_key, (account_id, kind, from_id, status_id))
            await self.session.execute(self._delete_by_status, (status_id,))
