"""The one event envelope every stream carries (ARCHITECTURE.md section 4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson

# streams: topics are named "<tenant>.<stream>"; the names live in the catalogue (re-exported here)
from rookery.workloads.catalogue import (
    ANALYTICS,
    DEAD_LETTER,
    GRAPH,
    INTERACTIONS,
    MEDIA,
    MESSAGES,
    MODERATION,
    NOTIFICATIONS,
    POSTS,
    STREAMS,
)
from rookery.workloads.ids import new_id

__all__ = [
    "ANALYTICS",
    "DEAD_LETTER",
    "GRAPH",
    "INTERACTIONS",
    "MEDIA",
    "MESSAGES",
    "MODERATION",
    "NOTIFICATIONS",
    "POSTS",
    "STREAMS",
    "Event",
    "OutboxEvents",
    "topic",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    type: str  # e.g. "StatusCreated"
    key: str  # partition key: the owner (author, follower, chat ...); ordering holds per key
    payload: dict[str, Any]
    tenant: str = "rookery"
    version: int = 1
    id: str = dataclasses.field(default_factory=lambda: str(new_id()))
    occurred_at: str = dataclasses.field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    )
    trace: dict[str, str] = dataclasses.field(default_factory=dict)  # W3C traceparent etc.

    def to_json(self) -> bytes:
        return orjson.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Event:
        data = orjson.loads(raw)
        return cls(**{field.name: data[field.name] for field in dataclasses.fields(cls) if field.name in data})


def topic(tenant: str, stream: str) -> str:
    return f"{tenant}.{stream}"


OutboxEvents = Sequence[tuple[str, Event]]
