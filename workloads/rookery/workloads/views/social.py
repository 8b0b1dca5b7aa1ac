"""Mastodon Relationship and Notification entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rookery.workloads.domain.graph import Relationship
from rookery.workloads.domain.notifications import Notification, group_key_of
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA, AccountViews
from rookery.workloads.views.statuses import STATUS_SCHEMA, StatusViews, iso


def render_relationship(rel: Relationship) -> dict[str, Any]:
    return {
        "id": str(rel.id),
        "following": rel.following,
        "showing_reblogs": rel.showing_reblogs,
        "notifying": rel.notifying,
        "languages": list(rel.languages) if rel.languages is not None else None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting_notifications,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": False,
        "endorsed": rel.endorsed,
        "note": rel.note,
    }


async def render_notifications(
    found: Sequence[Notification], viewer_id: int, accounts: AccountViews, statuses: StatusViews
) -> list[dict[str, Any]]:
    """The viewer's filters of the notifications context apply: a notification whose status a
    ``hide`` filter matches is left out."""
    actors = await accounts.many([n.from_account_id for n in found])
    status_ids = [n.status_id for n in found if n.status_id is not None]
    rendered = {int(s["id"]): s for s in await statuses.render(status_ids, viewer_id, context="notifications")}
    body = []
    for n in found:
        actor = actors.get(n.from_account_id)
        if actor is None or (n.status_id is not None and n.status_id not in rendered):
            continue
        entity: dict[str, Any] = {
            "id": str(n.id),
            "type": n.type,
            "group_key": str(group_key_of(n)),
            "created_at": iso(n.created_at),
            "account": actor,
        }
        if n.status_id is not None:
            entity["status"] = rendered[n.status_id]
        body.append(entity)
    return body


BOOLEAN_FIELDS = (
    "following",
    "showing_reblogs",
    "notifying",
    "followed_by",
    "blocking",
    "blocked_by",
    "muting",
    "muting_notifications",
    "requested",
    "requested_by",
    "domain_blocking",
    "endorsed",
)
RELATIONSHIP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Relationship entity",
    "properties": {
        "id": {"type": "string"},
        **{name: {"type": "boolean"} for name in BOOLEAN_FIELDS},
        "languages": {"type": "array", "items": {"type": "string"}},
        "note": {"type": "string"},
    },
}

NOTIFICATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Notification entity",
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string"},
        "group_key": {"type": "string"},
        "created_at": {"type": "string"},
        "account": ACCOUNT_SCHEMA,
        "status": STATUS_SCHEMA,
    },
}
