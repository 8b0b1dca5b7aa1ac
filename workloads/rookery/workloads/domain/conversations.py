"""Direct conversations (Mastodon's "account conversations"): each participant of a direct
status sees one conversation per set of other participants, moved by every direct status among
them, unread until they open it (their own posts never make it unread)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable


@dataclasses.dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    owner_id: int
    participant_ids: tuple[int, ...]  # the others, sorted; empty for a note to self
    last_status_id: int
    unread: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    owner_id: int
    participants: tuple[int, ...]
    unread: bool


def deliveries(author_id: int, mentioned: Iterable[int]) -> list[Delivery]:
    """Who gets the direct status in a conversation: the author (read) and each mentioned
    account (unread), each with everyone else as participants."""
    everyone = sorted({author_id, *mentioned})
    return [
        Delivery(owner, tuple(p for p in everyone if p != owner), unread=owner != author_id)
        for owner in everyone
    ]
