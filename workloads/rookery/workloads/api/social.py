"""Shared by the social routers (statuses, interactions, graph, timelines, notifications): ids in
the path. (Cursor pages and ``Link`` headers: api/pagination.py; the services: api/deps.py.)"""

from __future__ import annotations

from rookery.workloads.api.errors import ApiError, NotFound
from rookery.workloads.ids import parse_id


def path_id(value: str) -> int:
    """An id in the path: anything that is not one cannot exist."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound()
    return parsed


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ApiError(400, message)
