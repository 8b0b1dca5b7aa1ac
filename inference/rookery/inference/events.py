"""The interaction-event export that `rookery inference train` learns from: one JSON object per line.

    {"type": "favourite", "account_id": "17", "status_id": "901", "author_id": "42",
     "created_at": "2026-11-20T10:00:00Z", "status_created_at": "2026-11-20T09:30:00Z"}

Fields:
- ``type``: ``favourite | reblog | reply | view`` (an impression; a view with no engagement by the
  same account is a negative example for ranking), and for behaviour features ``status`` (the
  account posted ``status_id``; ``text`` optional), ``follow`` / ``unfollow``
  (``target_account_id``), ``mention``;
- ``account_id`` (who acted) and ``created_at`` (ISO 8601; naive times are UTC): required;
- ``status_id``, ``author_id`` (the status's author), ``status_created_at``: for interactions;
- ``text`` (status events), ``target_account_id`` (follow events), ``similarity`` (cosine of the
  account vector and the status embedding, when the exporter has it): optional.
Unknown fields are ignored; ids may be strings or integers.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import sys
from collections.abc import Iterable, Iterator
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

ENGAGEMENTS = ("favourite", "reblog", "reply")
EventType = Literal["favourite", "reblog", "reply", "view", "status", "follow", "unfollow", "mention"]


class EventFileError(ValueError):
    """A line of the export is not a valid event (message names the line)."""


class InteractionEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)

    type: EventType
    account_id: str
    created_at: dt.datetime
    status_id: str | None = None
    author_id: str | None = None
    status_created_at: dt.datetime | None = None
    text: str | None = None
    target_account_id: str | None = None
    similarity: float | None = None

    @model_validator(mode="after")
    def required_per_type(self) -> InteractionEvent:
        if self.type in (*ENGAGEMENTS, "view") and (self.status_id is None or self.author_id is None):
            raise ValueError(f"a {self.type} event needs status_id and author_id")
        if self.type in ("follow", "unfollow") and self.target_account_id is None:
            raise ValueError(f"a {self.type} event needs target_account_id")
        return self

    @property
    def at(self) -> dt.datetime:
        return self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=dt.UTC)

    @property
    def status_at(self) -> dt.datetime | None:
        moment = self.status_created_at
        if moment is None:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_events(lines: Iterable[str | bytes], source: str = "events") -> Iterator[InteractionEvent]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield InteractionEvent.model_validate(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            raise EventFileError(f"{source}:{number}: not JSON ({exc})") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise EventFileError(
                f"{source}:{number}: {where + ': ' if where else ''}{first['msg']}"
            ) from None


def read_events(path: str | pathlib.Path) -> list[InteractionEvent]:
    """Every event of a JSONL file ('-' reads standard input)."""
    if str(path) == "-":
        return list(parse_events(sys.stdin, "<stdin>"))
    file = pathlib.Path(path)
    if not file.is_file():
        raise EventFileError(f"{file}: no such file")
    with file.open("rb") as handle:
        return list(parse_events(handle, str(file)))


def write_events(path: str | pathlib.Path, events: Iterable[InteractionEvent | dict]) -> int:
    """Write events as JSONL (the format the workloads' exporter produces); returns the count."""
    count = 0
    with pathlib.Path(path).open("wb") as handle:
        for event in events:
            data = event.model_dump(mode="json", exclude_none=True) if isinstance(event, BaseModel) else event
            handle.write(orjson.dumps(data) + b"\n")
            count += 1
    return count
