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


# --- grouping (Mastodon 4.3's grouped notifications) ------------------------------------------
GROUPED_TYPES = (FAVOURITE, FOLLOW, REBLOG)
GROUP_SPAN_HOURS = 12  # favourites / reblogs of one status, or follows, within one such window
_HOUR_MS = 3_600_000


@dataclasses.dataclass(frozen=True, slots=True)
class GroupKey:
    """What a group key names: one notification (``ungrouped-<id>``), or the notifications of one
    type (and status) within one window of GROUP_SPAN_HOURS hours, starting at hour ``bucket``."""

    type: str | None = None
    status_id: int | None = None
    bucket: int = 0
    notification_id: int | None = None

    def __str__(self) -> str:
        if self.notification_id is not None:
            return f"ungrouped-{self.notification_id}"
        if self.status_id is not None:
            return f"{self.type}-{self.status_id}-{self.bucket}"
        return f"{self.type}-{self.bucket}"

    @property
    def window_ms(self) -> tuple[int, int]:
        """[start, end) of the group's window, in Unix milliseconds."""
        return self.bucket * _HOUR_MS, (self.bucket + GROUP_SPAN_HOURS) * _HOUR_MS

    def holds(self, n: Notification) -> bool:
        if self.notification_id is not None:
            return n.id == self.notification_id
        start, end = self.window_ms
        return n.type == self.type and n.status_id == self.status_id and start <= timestamp_ms(n.id) < end


def group_key_of(n: Notification, grouped_types: frozenset[str] = frozenset(GROUPED_TYPES)) -> GroupKey:
    if n.type not in grouped_types or n.type not in GROUPED_TYPES:
        return GroupKey(notification_id=n.id)
    hour = timestamp_ms(n.id) // _HOUR_MS
    bucket = hour - hour % GROUP_SPAN_HOURS
    return GroupKey(n.type, n.status_id if n.type != FOLLOW else None, bucket)


def parse_group_key(key: str) -> GroupKey | None:
    """The key a client sends back; None when it names no group Rookery could have made."""
    kind, _, rest = key.partition("-")
    parts = rest.split("-")
    if not all(part.isdigit() and len(part) <= 20 for part in parts):
        return None
    numbers = [int(part) for part in parts]
    if kind == "ungrouped" and len(numbers) == 1:
        return GroupKey(notification_id=numbers[0])
    if kind == FOLLOW and len(numbers) == 1:
        return GroupKey(FOLLOW, None, numbers[0])
    if kind in (FAVOURITE, REBLOG) and len(numbers) == 2:
        return GroupKey(kind, numbers[0], numbers[1])
    return None


def grouped_types_filter(grouped_types: list[str]) -> frozenset[str]:
    """``grouped_types[]``: the types a client shows grouped (none named: all of them)."""
    named = frozenset(t for t in grouped_types if t in GROUPED_TYPES)
    return named if grouped_types else frozenset(GROUPED_TYPES)


@dataclasses.dataclass(frozen=True, slots=True)
class NotificationGroup:
    key: GroupKey
    type: str
    latest: Notification  # the most recent notification of the group (within the page)
    count: int
    sample_account_ids: tuple[int, ...]
    page_min_id: int | None = None  # only when paging through groups
    page_max_id: int | None = None
