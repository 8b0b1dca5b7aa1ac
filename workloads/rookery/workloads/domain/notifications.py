"""In-app notifications: what happened to an account, by whom, about which status."""

from __future__ import annotations

import dataclasses
import datetime as dt

from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.ids import timestamp_ms

MENTION = "mention"
STATUS = "status"
REBLOG = "reblog"
FOLLOW = "follow"
FOLLOW_REQUEST = "follow_request"
FAVOURITE = "favourite"
POLL = "poll"
UPDATE = "update"
TYPES = (MENTION, STATUS, REBLOG, FOLLOW, FOLLOW_REQUEST, FAVOURITE, POLL, UPDATE)
WITH_STATUS = frozenset({MENTION, STATUS, REBLOG, FAVOURITE, POLL, UPDATE})


@dataclasses.dataclass(frozen=True, slots=True)
class Notification:
    id: int
    account_id: int  # the recipient
    type: str
    from_account_id: int
    status_id: int | None = None

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(timestamp_ms(self.id) / 1000, dt.UTC)


def should_notify(recipient_id: int, actor_id: int, relations: ViewerRelations) -> bool:
    """Nobody is notified of their own acts, nor by an account they block, are blocked by, or
    mute with notifications hidden."""
    if recipient_id == actor_id:
        return False
    if relations.blocked_either_way(actor_id):
        return False
    return actor_id not in relations.muting_notifications


def type_filter(types: list[str] | None, exclude_types: list[str] | None) -> frozenset[str] | None:
    """The notification types a list request admits (None: all); unknown names are ignored."""
    admitted = set(TYPES) if not types else {t for t in types if t in TYPES}
    if exclude_types:
        admitted -= set(exclude_types)
    return None if admitted == set(TYPES) else frozenset(admitted)
