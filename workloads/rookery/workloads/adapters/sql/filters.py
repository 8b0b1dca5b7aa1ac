"""What the SQLite and PostgreSQL filter and scheduled-status stores share: how a filter is put
together from its three tables' rows, and how a scheduled status's parameters are kept (JSON text
in both dialects)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import orjson

from rookery.workloads.domain.filters import Filter, FilterKeyword, FilterStatus
from rookery.workloads.domain.polls import PollDraft
from rookery.workloads.domain.scheduled import ScheduledParams

FILTER_COLUMNS = "id, account_id, title, context, action, expires_at"


def assemble_filters(rows: Iterable[Any], keywords: Iterable[Any], statuses: Iterable[Any], read: Any) -> list[Filter]:
    """Filters from their rows (in order), keyword rows and status rows (each by ``filter_id``);
    ``read(row)`` gives (context tuple, expires_at) in the dialect's types."""
    by_filter: dict[int, tuple[list[FilterKeyword], list[FilterStatus]]] = {}
    for row in keywords:
        by_filter.setdefault(row["filter_id"], ([], []))[0].append(
            FilterKeyword(row["id"], row["keyword"], bool(row["whole_word"]))
        )
    for row in statuses:
        by_filter.setdefault(row["filter_id"], ([], []))[1].append(FilterStatus(row["id"], row["status_id"]))
    found = []
    for row in rows:
        context, expires_at = read(row)
        kws, sts = by_filter.get(row["id"], ([], []))
        found.append(
            Filter(
                id=row["id"],
                account_id=row["account_id"],
                title=row["title"],
                context=tuple(context),
                action=row["action"],
                expires_at=expires_at,
                keywords=tuple(sorted(kws, key=lambda k: k.id)),
                statuses=tuple(sorted(sts, key=lambda s: s.id)),
            )
        )
    return found


def params_json(params: ScheduledParams) -> str:
    return orjson.dumps(dataclasses.asdict(params)).decode()


def params_of(raw: str | bytes) -> ScheduledParams:
    values = orjson.loads(raw)
    poll = values.pop("poll", None)
    values["media_ids"] = tuple(values.get("media_ids") or ())
    if poll is not None:
        poll["options"] = tuple(poll["options"])
        values["poll"] = PollDraft(**poll)
    return ScheduledParams(**values)
