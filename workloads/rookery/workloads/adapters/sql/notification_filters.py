"""The queries of the NotificationFilterStore that SQLite and PostgreSQL share (placeholders from
a ``Params``): a request with its count, last status and last notification, counted from what it holds."""

from __future__ import annotations

from typing import Any

from rookery.workloads.adapters.sql.paging import Params, keyset
from rookery.workloads.domain.notification_policy import FIELDS, NotificationPolicy, NotificationRequest
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest

POLICY_COLUMNS = ", ".join(FIELDS)
_HELD = "SELECT id, account_id, type, from_account_id, status_id FROM filtered_notifications"
_REQUESTS = (
    "SELECT r.id, r.account_id, r.from_account_id, COUNT(f.id) AS n, MAX(f.id) AS last_id,"
    " MAX(NULLIF(f.status_id, 0)) AS last_status_id"
    " FROM notification_requests r JOIN filtered_notifications f ON f.request_id = r.id"
)


def requests_query(account_id: int, page: PageRequest, p: Params) -> str:
    where = f"r.account_id = {p(account_id)}"
    tail = keyset(page, p, [where], column="r.id")
    head, _, order = tail.partition(" ORDER BY ")
    return f"{_REQUESTS} {head} GROUP BY r.id, r.account_id, r.from_account_id ORDER BY {order}"


def request_query(account_id: int, request_id: int, p: Params) -> str:
    return (
        f"{_REQUESTS} WHERE r.account_id = {p(account_id)} AND r.id = {p(request_id)}"
        " GROUP BY r.id, r.account_id, r.from_account_id"
    )


def held_query(account_id: int, request_id: int, p: Params) -> str:
    return f"{_HELD} WHERE account_id = {p(account_id)} AND request_id = {p(request_id)} ORDER BY id"


def held_recent_query(
    account_id: int, page: PageRequest, types: frozenset[str] | None, from_account_id: int | None, p: Params
) -> str:
    conditions = [f"account_id = {p(account_id)}"]
    if types is not None:
        conditions.append(f"type IN ({', '.join(p(t) for t in sorted(types))})" if types else "1 = 0")
    if from_account_id is not None:
        conditions.append(f"from_account_id = {p(from_account_id)}")
    return f"{_HELD} {keyset(page, p, conditions)}"


def release_query(account_id: int, notification_id: int, p: Params) -> str:
    return f"DELETE FROM filtered_notifications WHERE account_id = {p(account_id)} AND id = {p(notification_id)}"


def forget_empty_requests_query(account_id: int, p: Params) -> str:
    """Delete the recipient's requests that hold nothing (as Mastodon forgets an empty request)."""
    return (
        f"DELETE FROM notification_requests WHERE account_id = {p(account_id)}"
        " AND NOT EXISTS (SELECT 1 FROM filtered_notifications f WHERE f.request_id = notification_requests.id)"
    )


def pending_query(account_id: int, p: Params) -> str:
    return (
        "SELECT COUNT(DISTINCT request_id) AS requests, COUNT(*) AS notifications"
        f" FROM filtered_notifications WHERE account_id = {p(account_id)}"
    )


def held_of(row: Any) -> Notification:
    return Notification(row["id"], row["account_id"], row["type"], row["from_account_id"], row["status_id"] or None)


def request_of(row: Any) -> NotificationRequest:
    return NotificationRequest(
        id=row["id"],
        account_id=row["account_id"],
        from_account_id=row["from_account_id"],
        notifications_count=row["n"],
        last_status_id=row["last_status_id"],
        last_notification_id=row["last_id"],
    )


def policy_of(account_id: int, row: Any) -> NotificationPolicy:
    if row is None:
        return NotificationPolicy(account_id)
    return NotificationPolicy(account_id, *(row[name] for name in FIELDS))


def policy_values(policy: NotificationPolicy) -> list[Any]:
    return [policy.account_id, *(getattr(policy, name) for name in FIELDS)]
