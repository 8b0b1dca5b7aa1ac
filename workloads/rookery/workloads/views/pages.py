"""Whole rendered timeline pages, kept while nothing they were made from can have changed.

A page is kept under a stamp read *before* it was computed, and served again only while the stamp
read for the next request is equal (and, in production, the page's entities are at the versions
it recorded). What changes with the clock alone (a poll closing, a filter expiring) bounds a
page's life (``until``). A page is kept per kind, viewer (None when signed out) and page
parameters, so one viewer never gets another's page. The ``Link`` header is still built for each
request.

Embedded mode (`rookery up`): every row a page is made from lives in one SQLite file, and
``PRAGMA data_version`` on the inline reader moves with every commit by any other connection:
this process's writer, or another process such as an admin command. The version is read inside
the read snapshot the page's inline reads share. The stamp is:

- the data version;
- the in-process entity cache's count of invalidations. A write commits, then invalidates, so a
  page made in between holds the old fragment, and the count moves after it;
- the moderation read filter's generation (it is reloaded after a commit).

When any of them moves, every kept page is stale at once.

Production mode (home pages only: api/routes/timelines.py): rows live in PostgreSQL, Cassandra and
Redis, written by many processes. The stamp is PostgreSQL's MVCC snapshot
(``pg_current_snapshot()``: it moves when any transaction that wrote commits or begins writing;
concurrent requests share one read), the moderation filter's generation, the viewer's stored
timeline entries (read from Redis or Cassandra for every request) and the feed's celebrity set.
What lives outside PostgreSQL, or is invalidated only after its commit, is checked by version
instead: a kept page records the EntityCache version of each fragment it was joined from
(statuses, their originals, accounts) and of the viewer's cached relations (Cassandra) and
filters, each read before what it covers was loaded, and is served only while one MGET (shared by
concurrent requests) answers the same versions. Every writer invalidates those keys after its
commit, so a page made from an old fragment stops matching when the invalidation lands.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence

from rookery.workloads.domain.edge import EntityKey
from rookery.workloads.metrics import count_lookup

Versions = Callable[[Sequence[EntityKey]], Awaitable[list[str]]]


@dataclasses.dataclass(frozen=True, slots=True)
class KeptPage:
    body: bytes  # the page's JSON array
    next_max_id: int | None
    prev_min_id: int | None
    deps: tuple[EntityKey, ...] = ()  # production: the entities it was made from ...
    versions: tuple[str, ...] = ()  # ... at these versions


class RenderedPages:
    """An LRU of kept pages, bounded by their bytes (a page larger than a sixteenth of the bound
    is not kept)."""

    def __init__(
        self,
        stamp: Callable[[], Awaitable[Hashable]],
        max_bytes: int,
        clock: Callable[[], float] = time.time,
        versions: Versions | None = None,
        viewer_keys: Callable[[int], Sequence[EntityKey]] = lambda viewer_id: (),
    ) -> None:
        self.stamp = stamp  # read before a page is computed; the page is kept under it
        self.max_bytes = max_bytes
        self.clock = clock  # when a page's time runs out (``until``)
        self.versions = versions  # production: the EntityCache's versions, which a page records
        self.viewer_keys = viewer_keys  # the viewer's cached entities every page of theirs depends on
        self._entries: OrderedDict[Hashable, tuple[Hashable, float, KeptPage]] = OrderedDict()
        self._bytes = 0
        self.hits = 0

    async def get(self, key: Hashable, stamp: Hashable) -> KeptPage | None:
        """The page kept under ``key`` if it was made under ``stamp``, has not expired, and its
        entities are still at the versions it recorded."""
        entry = self._entries.get(key)
        if entry is not None:
            kept_stamp, until, page = entry
            if (
                kept_stamp == stamp
                and self.clock() < until
                and (not page.deps or self.versions is None or await self.versions(page.deps) == list(page.versions))
            ):
                if key in self._entries:  # kept meanwhile (the version read let others run)
                    self._entries.move_to_end(key)
                self.hits += 1
                count_lookup("page", "memory", True)
                return page
            if self._entries.get(key) is entry:
                self._drop(key)
        count_lookup("page", "memory", False)
        return None

    def keep(
        self,
        key: Hashable,
        stamp: Hashable,
        page: KeptPage,
        until: float = math.inf,
        versions: Mapping[EntityKey, str] | None = None,
    ) -> None:
        """Keep ``page``, computed after ``stamp`` was read, until the clock reaches ``until``;
        ``versions``: the version of each entity it was made from, each read before the entity
        was (a page with an entity of no version is not kept)."""
        size = len(page.body)
        if size > self.max_bytes // 16:
            return
        if versions:
            if "" in versions.values():
                return
            page = dataclasses.replace(page, deps=tuple(versions), versions=tuple(versions.values()))
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
