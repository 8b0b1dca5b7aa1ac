"""64-bit time-sortable ids (Snowflake-style, like Mastodon's): milliseconds since the Unix epoch
in the high 48 bits, a per-millisecond sequence in the low 16. Rendered as decimal strings."""

from __future__ import annotations

import threading
import time

SEQUENCE_BITS = 16
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1


class IdGenerator:
    """Strictly increasing ids within a process; safe to call from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next_id(self, at_ms: int | None = None) -> int:
        millis = int(time.time() * 1000) if at_ms is None else at_ms
        candidate = millis << SEQUENCE_BITS
        with self._lock:
            if candidate <= self._last:
                candidate = self._last + 1
            self._last = candidate
            return candidate


_default = IdGenerator()


def new_id() -> int:
    return _default.next_id()


def id_at(millis: int) -> int:
    """The smallest id that can carry this timestamp (for time-based cursors)."""
    return millis << SEQUENCE_BITS


def timestamp_ms(snowflake: int) -> int:
    return snowflake >> SEQUENCE_BITS


def parse_id(value: str | int | None) -> int | None:
    """A client-supplied id, or None when it is not a positive 64-bit integer."""
    if value is None:
        return None
    if isinstance(value, int):
        number = value
    else:
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 19:  # '²'.isdigit() is True
            return None
        number = int(text)
    return number if 0 < number < (1 << 63) else None
