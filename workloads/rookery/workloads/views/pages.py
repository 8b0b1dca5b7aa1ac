"""Whole rendered timeline pages, kept while nothing they were made from can have changed.

Embedded mode only (`rookery up`). There every row a page is made from lives in one SQLite file,
and ``PRAGMA data_version`` on the inline reader moves with every commit by any other connection:
this process's writer, or another process such as an admin command. The version is read inside
the read snapshot the page's inline reads share. A page is kept under a stamp read *before* it
was computed:

- the data version;
- the in-process entity cache's count of invalidations. A write commits, then invalidates, so a
  page made in between holds the old fragment, and the count moves after it;
- the moderation read filter's generation (it is reloaded after a commit).

When any of them moves, every kept page is stale at once. What changes with the clock alone (a
poll closing, a filter expiring) bounds a page's life (``until``).

A page is kept per kind, viewer (None when signed out) and page parameters, so one viewer never
gets another's page. The ``Link`` header is still built for each request. Production mode keeps
no pages: other processes write PostgreSQL, Cassandra and Redis, so it has no single version of
everything.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from rookery.workloads.metrics import count_lookup


@dataclasses.dataclass(frozen=True, slots=True)
class KeptPage:
    body: bytes  # the page's JSON array
    next_max_id: int | None
    prev_min_id: int | None


class RenderedPages:
    """An LRU of kept pages, bounded by their bytes (a page larger than a sixteenth of the bound
    is not kept)."""

    def __init__(self, stamp: Callable[[], Hashable], max_bytes: int, clock: Callable[[], float] = time.time) -> None:
        self.stamp = stamp  # read before a page is computed; the page is kept under it
        self.max_bytes = max_bytes
        self.clock = clock  # when a page's time runs out (``until``)
        self._entries: OrderedDict[Hashable, tuple[Hashable, float, KeptPage]] = OrderedDict()
        self._bytes = 0
        self.hits = 0

    def get(self, key: Hashable, stamp: Hashable) -> KeptPage | None:
        """The page kept under ``key`` if it was made under ``stamp`` and has not expired."""
        entry = self._entries.get(key)
        if entry is not None:
            kept_stamp, until, page = entry
            if kept_stamp == stamp and self.clock() < until:
                self._entries.move_to_end(key)
                self.hits += 1
                count_lookup("page", "memory", True)
                return page
            self._drop(key)
        count_lookup("page", "memory", False)
        return None

    def keep(self, key: Hashable, stamp: Hashable, page: KeptPage, until: float = math.inf) -> None:
        """Keep ``page``, computed after ``stamp`` was read, until the clock reaches ``until``."""
        size = len(page.body)
        if size > self.max_bytes // 16:
            return
        self._drop(key)
        self._entries[key] = (stamp, until, page)
        self._bytes += size
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[2].body)

    def __len__(self) -> int:
        return len(self._entries)
