"""Mastodon's GroupedNotificationsResults: ``accounts``, ``statuses`` and ``notification_groups``
(and, with ``expand_accounts=partial_avatars``, ``partial_accounts``: the sample accounts other than
each group's most recent one, as PartialAccountWithAvatar)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rookery.workloads.domain.notifications import WITH_STATUS, NotificationGroup
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA, AccountViews
from rookery.workloads.views.moments import iso
from rookery.workloads.views.statuses import STATUS_SCHEMA, StatusViews

PARTIAL_FIELDS = ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")


def render_group(group: NotificationGroup) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "group_key": str(group.key),
        "notifications_count": group.count,
        "type": group.type,
        "most_recent_notification_id": str(group.latest.id),
    }
    if group.page_min_id is not None and group.page_max_id is not None:
        entity["page_min_id"] = str(group.page_min_id)
        entity["page_max_id"] = str(group.page_max_id)
        entity["latest_page_notification_at"] = iso(group.latest.created_at)
    entity["sample_account_ids"] = [str(i) for i in group.sample_account_ids]
    if group.type in WITH_STATUS and group.latest.status_id is not None:
        entity["status_id"] = str(group.latest.status_id)
    return entity


async def render_grouped(
    groups: Sequence[NotificationGroup],
    viewer_id: int,
    accounts: AccountViews,
    statuses: StatusViews,
    *,
    partial_avatars: bool = False,
) -> dict[str, Any]:
    """The groups whose accounts and status still render (a deleted one drops out, as in v1)."""
    rendered_accounts = await accounts.many([i for g in groups for i in g.sample_account_ids])
    status_ids = list(dict.fromkeys(g.latest.status_id for g in groups if g.latest.status_id is not None))
    rendered_statuses = {
        int(s["id"]): s for s in await statuses.render(status_ids, viewer_id, context="notifications")
    }  # the viewer's filters: a status a hide filter matches takes its group out
    kept = [
        g
        for g in groups
        if g.latest.from_account_id in rendered_accounts
        and (g.latest.status_id is None or g.latest.status_id in rendered_statuses)
    ]
    full: list[int] = []
    partial: list[int] = []
    for g in kept:
        for position, account_id in enumerate(g.sample_account_ids):
            if account_id in rendered_accounts:
                (partial if partial_avatars and position > 0 else full).append(account_id)
    full = list(dict.fromkeys(full))
    partial = [i for i in dict.fromkeys(partial) if i not in full]
    body: dict[str, Any] = {
        "accounts": [rendered_accounts[i] for i in full],
        "statuses": [
            rendered_statuses[i]
            for i in dict.fromkeys(g.latest.status_id for g in kept)
            if i is not None and i in rendered_statuses
        ],
        "notification_groups": [render_group(g) for g in kept],
    }
    if partial_avatars:
        body["partial_accounts"] = [{k: rendered_accounts[i][k] for k in PARTIAL_FIELDS} for i in partial]
    return body


NOTIFICATION_GROUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon NotificationGroup entity",
    "properties": {
        "group_key": {"type": "string"},
        "notifications_count": {"type": "integer"},
        "type": {"type": "string"},
        "most_recent_notification_id": {"type": "string"},
        "page_min_id": {"type": "string"},
        "page_max_id": {"type": "string"},
        "latest_page_notification_at": {"type": "string"},
        "sample_account_ids": {"type": "array", "items": {"type": "string"}},
        "status_id": {"type": "string"},
    },
}
GROUPED_NOTIFICATIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon GroupedNotificationsResults entity",
    "properties": {
        "accounts": {"type": "array", "items": ACCOUNT_SCHEMA},
        "partial_accounts": {"type": "array", "items": {"type": "object"}},
        "statuses": {"type": "array", "items": STATUS_SCHEMA},
        "notification_groups": {"type": "array", "items": NOTIFICATION_GROUP_SCHEMA},
    },
}
