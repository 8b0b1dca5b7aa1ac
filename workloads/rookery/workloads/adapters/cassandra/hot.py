"""A TimelineStore in two layers: a bounded hot store (Redis: the newest entries of each home
timeline) in front of the durable one (Cassandra: day partitions with a TTL).

Writes go to the durable store first, then to the hot one, so the hot store never holds what the
durable one lacks. A descending page the hot store can fill completely is served from it: every
push since the hot list began reached it, so a full page from it has no gaps. A short page is
served from it too when it reaches the bottom marker: an entry with the smallest id, put in
when the hot list was warmed with the whole (short) timeline, meaning "nothing older exists". The
marker goes when the list is trimmed or evicted, and is never returned. Anything else (a cold or
evicted hot list, a ``min_id`` page, which must start right after the cursor) is read from the
durable store, and a cold first page is copied back into the hot store. Celebrities live in the
durable store only.
"""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.metrics import count_lookup
from rookery.workloads.ports.feed import TimelineStore

MARKER_IDS = 1 << 20  # no status id is this small (a snowflake 16 ms after 1970)


def bottom(owner_id: int) -> TimelineEntry:
    """The marker of a complete hot list; its id varies by owner so no index key grows with users."""
    return TimelineEntry(status_id=1 + owner_id % (MARKER_IDS - 1), account_id=0)


def _is_bottom(entry: TimelineEntry) -> bool:
    return entry.status_id < MARKER_IDS


class HotColdTimelineStore:
    def __init__(self, hot: TimelineStore, durable: TimelineStore) -> None:
        self.hot = hot
        self.durable = durable

    async def push(self, owner_ids: Sequence[int], entry: TimelineEntry) -> None:
        await self.durable.push(owner_ids, entry)
        await self.hot.push(owner_ids, entry)

    async def push_many(self, owner_id: int, entries: Sequence[TimelineEntry]) -> None:
        await self.durable.push_many(owner_id, entries)
        await self.hot.push_many(owner_id, entries)

    async def range(self, owner_id: int, page: PageRequest) -> list[TimelineEntry]:
        if not page.ascending:
            found = await self.hot.range(owner_id, page.widened(1))
            if (found and _is_bottom(found[-1])) or len(found) > page.limit:
                count_lookup("home_timelines", "redis", hit=True)
                return [e for e in found if not _is_bottom(e)][: page.limit]
            count_lookup("home_timelines", "redis", hit=False)
        newest = page.max_id is None and page.lower is None
        found = await self.durable.range(owner_id, page.widened(1) if newest else page)
        if newest:  # warm the hot list with the newest page and one more, so that it serves this page next
            whole = len(found) <= page.limit  # the timeline is no longer than a page: all of it
            await self.hot.push_many(owner_id, [*found, bottom(owner_id)] if whole else found)
        return found[: page.limit]

    async def remove(self, status_ids: Sequence[int]) -> None:
        await self.durable.remove(status_ids)
        await self.hot.remove(status_ids)

    async def remove_author(self, owner_id: int, account_id: int) -> None:
        await self.durable.remove_author(owner_id, account_id)
        await self.hot.remove_author(owner_id, account_id)

    async def contains(self, owner_id: int, status_id: int) -> bool:
        if status_id < MARKER_IDS:
            return False
        return await self.hot.contains(owner_id, status_id) or await self.durable.contains(
            owner_id, status_id
        )

    async def celebrities(self) -> set[int]:
        return await self.durable.celebrities()

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None:
        await self.durable.mark_celebrity(account_id, celebrity)
