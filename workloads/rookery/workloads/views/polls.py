"""Mastodon Poll entities: per-option totals stay hidden (null) while a ``hide_totals`` poll is
open; ``voted`` and ``own_votes`` only for a signed-in viewer (the author counts as voted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rookery.workloads.domain.polls import Poll
from rookery.workloads.views.moments import iso


def render_poll(poll: Poll, viewer_id: int | None, own_votes: list[int], now: dt.datetime) -> dict[str, Any]:
    expired = poll.expired(now)
    show_totals = expired or not poll.hide_totals
    entity: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": iso(poll.expires_at),
        "expired": expired,
        "multiple": poll.multiple,
        "votes_count": poll.votes_count,
        "voters_count": poll.voters_count,
        "options": [
            {"title": title, "votes_count": poll.tally(i) if show_totals else None}
            for i, title in enumerate(poll.options)
        ],
        "emojis": [],
    }
    if viewer_id is not None:
        entity["voted"] = viewer_id == poll.account_id or bool(own_votes)
        entity["own_votes"] = list(own_votes)
    return entity


POLL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Poll entity",
    "properties": {
        "id": {"type": "string"},
        "expires_at": {"type": ["string", "null"]},
        "expired": {"type": "boolean"},
        "multiple": {"type": "boolean"},
        "votes_count": {"type": "integer"},
        "voters_count": {"type": ["integer", "null"]},
        "options": {"type": "array"},
        "emojis": {"type": "array"},
        "voted": {"type": "boolean"},
        "own_votes": {"type": "array", "items": {"type": "integer"}},
    },
}
