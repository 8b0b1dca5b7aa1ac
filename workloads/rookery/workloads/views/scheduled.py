"""Mastodon's ScheduledStatus entity."""

from __future__ import annotations

from typing import Any

from rookery.workloads.domain.scheduled import ScheduledStatus
from rookery.workloads.views.moments import iso


def render_scheduled(scheduled: ScheduledStatus, media: list[dict[str, Any]]) -> dict[str, Any]:
    params = scheduled.params
    poll = params.poll
    return {
        "id": str(scheduled.id),
        "scheduled_at": iso(scheduled.scheduled_at),
        "params": {
            "text": params.text,
            "poll": {
                "options": list(poll.options),
                "expires_in": poll.expires_in,
                "multiple": poll.multiple,
                "hide_totals": poll.hide_totals,
            }
            if poll is not None
            else None,
            "media_ids": [str(i) for i in params.media_ids] or None,
            "sensitive": params.sensitive,
            "spoiler_text": params.spoiler_text or None,
            "visibility": params.visibility,
            "language": params.language,
            "scheduled_at": None,
            "idempotency": params.idempotency,
            "with_rate_limit": False,
            "in_reply_to_id": str(params.in_reply_to_id) if params.in_reply_to_id else None,
            "application_id": params.application_id,
        },
        "media_attachments": media,
    }


SCHEDULED_STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon ScheduledStatus entity",
    "properties": {
        "id": {"type": "string"},
        "scheduled_at": {"type": "string"},
        "params": {"type": "object"},
        "media_attachments": {"type": "array"},
    },
}
