"""64-bit time-sortable ids (Snowflake-style, like Mastodon's): milliseconds since the Unix epoch
in the high 48 bits, then the issuing process's node (10 bits) and a per-millisecond counter
(6 bits). Rendered as decimal strings.

The node keeps processes apart: two API replicas issuing an id in the same millisecond would
otherwise issue the same one (a status refused by its primary key, an event skipped as a
duplicate by every consumer). A production process holds a node leased in Redis
(``adapters/redis/id_nodes.py``); node 0 is the embedded one, a single process.
"""

from __future__ import annotations

import threading
import time

SEQUENCE_BITS = 16  # everything under the millisecond: node and sequence
NODE_BITS = 10  # up to 1,023 live processes per tenant (the operator allows 1,000 replicas)
COUNTER_BITS = SEQUENCE_BITS - NODE_BITS
NODES = 1 << NODE_BITS  # 0 (embedded, unleased) and 1..1023 (leased)
_COUNTER_MAX = (1 << COUNTER_BITS) - 1


class IdGenerator:
    """Strictly increasing ids within a process; safe to call from several threads.

    More than 64 ids in one millisecond borrow the next one (the ids stay unique and increasing,
    their time runs a little ahead: a burst of 10,000 takes 157 ms of id time). The node is the
    lowest one held; a change of node moves on to the next millisecond, so the ids keep increasing
    whichever node bits they carry."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = _COUNTER_MAX  # the first id takes a fresh millisecond
        self._held: set[int] = set()
        self._node = 0

    @property
    def node(self) -> int:
        return self._node

    def hold(self, node: int) -> None:
        """Issue ids under ``node`` (leased for this process) while it is the lowest held."""
        if not 0 < node < NODES:
            raise ValueError(f"node must be in 1..{NODES - 1}")
        with self._lock:
            self._held.add(node)
            self._switch()

    def drop(self, node: int) -> None:
        """Stop using ``node`` (its lease released or lost)."""
        with self._lock:
            self._held.discard(node)
            self._switch()

    def _switch(self) -> None:
        node = min(self._held, default=0)
        if node != self._node:
            self._node = node
            self._counter = _COUNTER_MAX  # the next id takes a millisecond after the last one

    def next_id(self, at_ms: int | None = None) -> int:
        millis = int(time.time() * 1000) if at_ms is None else at_ms
        with self._lock:
            if millis > self._last_ms:
                self._last_ms, self._counter = millis, 0
            elif self._counter < _COUNTER_MAX:
                self._counter += 1
            else:  # this millisecond is used up (or the clock stepped back): borrow the next one
                self._last_ms, self._counter = self._last_ms + 1, 0
            return (self._last_ms << SEQUENCE_BITS) | (self._node << COUNTER_BITS) | self._counter


_default = IdGenerator()


def new_id() -> int:
    return _default.next_id()


def generator() -> IdGenerator:
    """The process's generator (the one ``new_id`` uses), for the node lease."""
    return _default


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
