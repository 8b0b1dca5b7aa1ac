"""How SQLite and PostgreSQL keep the column types they store differently.

Both dialects have the same columns; their drivers differ in a few types: SQLite keeps times and
dates as ISO-8601 text, booleans as 0/1 and arrays as JSON text, PostgreSQL has timestamptz, date,
boolean and array columns that asyncpg reads and writes as Python values. A ``Dialect`` converts
one way for reading (``from_row``) and the other for writing (``to_row``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import orjson


def _as_is(value: Any) -> Any:
    return value


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


def _json_tuple(raw: Any) -> tuple[Any, ...]:
    return tuple(orjson.loads(raw))


def _json_text(values: Sequence[Any]) -> str:
    return orjson.dumps(list(values)).decode()


@dataclasses.dataclass(frozen=True)
class Dialect:
    time: Callable[[Any], dt.datetime]  # column -> value
    day: Callable[[Any], dt.date]
    array: Callable[[Any], tuple[Any, ...]]
    store_time: Callable[[dt.date], Any]  # value -> column (datetimes and dates alike)
    store_flag: Callable[[bool], Any]
    store_array: Callable[[Sequence[Any]], Any]

    def optional_time(self, raw: Any) -> dt.datetime | None:
        return self.time(raw) if raw else None

    def store_optional_time(self, value: dt.date | None) -> Any:
        return self.store_time(value) if value else None


SQLITE = Dialect(
    time=dt.datetime.fromisoformat,
    day=dt.date.fromisoformat,
    array=_json_tuple,
    store_time=_isoformat,
    store_flag=int,
    store_array=_json_text,
)
POSTGRES = Dialect(time=_as_is, day=_as_is, array=tuple, store_time=_as_is, store_flag=_as_is, store_array=list)
