"""Mastodon's Announcement entity (with its reactions: Mastodon's Reaction entity)."""

from __future__ import annotations

from typing import Any

from rookery.workloads.domain.accounts import note_html
from rookery.workloads.domain.announcements import AnnouncementView, Reaction
from rookery.workloads.views.moments import iso


def render_reaction(reaction: Reaction) -> dict[str, Any]:
    entity: dict[str, Any] = {"name": reaction.name, "count": reaction.count, "me": reaction.me}
    if reaction.emoji is not None:
        entity["url"] = reaction.emoji.url
        entity["static_url"] = reaction.emoji.static_url
    return entity


def render_announcement(view: AnnouncementView) -> dict[str, Any]:
    """``emojis`` empty: the caller attaches them (views.emojis.attach_emojis)."""
    a = view.announcement
    return {
        "id": str(a.id),
        "content": note_html(a.text),
        "starts_at": iso(a.starts_at) if a.starts_at else None,
        "ends_at": iso(a.ends_at) if a.ends_at else None,
        "all_day": a.all_day,
        "published": True,
        "published_at": iso(a.published_at),
        "updated_at": iso(a.updated_at),
        "read": view.read,
        "mentions": [],
        "statuses": [],
        "tags": [],
        "emojis": [],
        "reactions": [render_reaction(r) for r in view.reactions],
    }
