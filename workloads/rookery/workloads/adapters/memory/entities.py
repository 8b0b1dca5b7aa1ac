"""The EntityCache port in process (embedded mode): an LRU of versioned fragments.

Versions come from one counter, so none is ever reused. An invalidated key keeps its version
entry (without a body) until the LRU evicts it; a reader that found a key absent may fill it only
if no key invalidated after that read has been evicted since (else the absent key might be one
whose invalidation was forgotten).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence

from rookery.workloads.domain.edge import EntityKey, Fragment
from rookery.workloads.metrics import count_fragments

ABSENT = "-"  # prefix of the version of a key the cache does not know: "-<counter at the read>"


class MemoryEntityCache:
    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[EntityKey, tuple[int, bytes | None]] = OrderedDict()
        self._clock = 0  # the last version handed out
        self._evicted = 0  # the newest version among evicted entries
        self.invalidations = 0  # calls of invalidate: a change a kept whole page may predate (views/pages.py)

    def _next(self) -> int:
        self._clock += 1
        return self._clock

    async def read(self, keys: Sequence[EntityKey]) -> list[Fragment]:
        found = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                found.append(Fragment(f"{ABSENT}{self._clock}", None))
                continue
            self._entries.move_to_end(key)
            found.append(Fragment(str(entry[0]), entry[1]))
        count_fragments("memory", keys, found)
        return found

    async def fill(self, fragments: Mapping[EntityKey, tuple[str, bytes]]) -> dict[EntityKey, str]:
        stored: dict[EntityKey, str] = {}
        for key, (version, body) in fragments.items():
            entry = self._entries.get(key)
            if entry is None:
                read_at = int(version[len(ABSENT) :]) if version.startswith(ABSENT) else -1
                if read_at < self._evicted:  # an eviction since the read may have forgotten a change
                    continue
            elif str(entry[0]) != version:
                continue
            version_now = self._next() if entry is None else entry[0]
            self._store(key, version_now, body)
            stored[key] = str(version_now)
        return stored

    async def versions(self, keys: Sequence[EntityKey]) -> list[str]:
        found = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                entry = (self._next(), None)
                self._store(key, *entry)
            found.append(str(entry[0]))
        return found

    async def invalidate(self, keys: Iterable[EntityKey]) -> None:
        self.invalidations += 1
        for key in keys:
            self._store(key, self._next(), None)

    def _store(self, key: EntityKey, version: int, body: bytes | None) -> None:
        self._entries[key] = (version, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            _, (evicted, _) = self._entries.popitem(last=False)
            self._evicted = max(self._evicted, evicted)
