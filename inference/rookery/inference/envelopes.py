"""Training data from the workloads' own event stream (the envelopes of ARCHITECTURE.md section 4).

The workloads publish ``{"type", "key", "payload", "occurred_at", ...}`` envelopes on the
``posts``, ``interactions`` and ``graph`` streams (Kafka topics ``<tenant>.<stream>``, or the
embedded SQLite event log of `rookery up`). This module maps the ones that carry behaviour to
interaction events:

- ``StatusCreated``: a ``status`` event; a reblog (``reblog_of_id``) is a ``reblog`` of the
  original by ``reblog_account_id``'s status; a reply also counts as a ``reply`` to its parent;
- ``Favourited``: ``favourite`` (``status_account_id`` is the author);
- ``Followed`` / ``Unfollowed``: ``follow`` / ``unfollow``.

The stream carries no impressions, so ranking also needs ``view`` events from a JSONL export;
anomaly detection trains from the stream alone. Envelopes of other types are skipped.
"""

from __future__ import annotations

import contextlib
import pathlib
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from pydantic import ValidationError

from rookery.inference.events import EventFileError, InteractionEvent

STREAMS = ("posts", "interactions", "graph")


def from_envelope(envelope: dict[str, Any]) -> list[InteractionEvent]:
    kind = envelope.get("type")
    payload = envelope.get("payload") or {}
    at = envelope.get("occurred_at")
    actor = payload.get("account_id")
    raw: list[dict[str, Any]] = []
    if kind == "StatusCreated":
        if payload.get("reblog_of_id") is not None:
            raw.append(
                {
                    "type": "reblog",
                    "status_id": payload["reblog_of_id"],
                    "author_id": payload.get("reblog_account_id"),
                }
            )
        else:
            raw.append({"type": "status", "status_id": payload.get("status_id")})
            if (
                payload.get("in_reply_to_id") is not None
                and payload.get("in_reply_to_account_id") is not None
            ):
                raw.append(
                    {
                        "type": "reply",
                        "status_id": payload["in_reply_to_id"],
                        "author_id": payload["in_reply_to_account_id"],
                    }
                )
    elif kind == "Favourited":
        raw.append(
            {
                "type": "favourite",
                "status_id": payload.get("status_id"),
                "author_id": payload.get("status_account_id"),
            }
        )
    elif kind in ("Followed", "Unfollowed"):
        raw.append(
            {
                "type": "follow" if kind == "Followed" else "unfollow",
                "target_account_id": payload.get("target_id"),
            }
        )
    return [InteractionEvent.model_validate({**item, "account_id": actor, "created_at": at}) for item in raw]


def from_envelopes(envelopes: Iterable[bytes | str], source: str) -> Iterator[InteractionEvent]:
    for number, body in enumerate(envelopes, start=1):
        if not body.strip():
            continue
        try:
            yield from from_envelope(orjson.loads(body))
        except orjson.JSONDecodeError as exc:
            raise EventFileError(f"{source}:{number}: not JSON ({exc})") from None
        except (ValidationError, AttributeError, TypeError) as exc:
            raise EventFileError(f"{source}:{number}: not a workloads event envelope ({exc})") from None


def read_envelope_file(path: str | pathlib.Path) -> list[InteractionEvent]:
    """A JSONL dump of envelopes (e.g. consumed from the Kafka topics)."""
    file = pathlib.Path(path)
    if not file.is_file():
        raise EventFileError(f"{file}: no such file")
    with file.open("rb") as handle:
        return list(from_envelopes(handle, str(file)))


def read_event_log(database: str | pathlib.Path) -> list[InteractionEvent]:
    """The embedded event log of `rookery up` (``<data dir>/rookery.db``), opened read-only."""
    path = pathlib.Path(database)
    if not path.is_file():
        raise EventFileError(f"{path}: no such file")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)) as connection:
            marks = ",".join("?" * len(STREAMS))
            rows = connection.execute(
                f"SELECT body FROM event_log WHERE stream IN ({marks}) ORDER BY partition, offset", STREAMS
            ).fetchall()
    except sqlite3.Error as exc:
        raise EventFileError(f"{path}: not a Rookery event log ({exc})") from None
    return list(from_envelopes((row[0] for row in rows), f"{path}:event_log"))
