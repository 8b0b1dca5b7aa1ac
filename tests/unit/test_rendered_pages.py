"""views/pages.py: a kept page is served only under the stamp it was made under, before its time
runs out, to the key it was kept under; the bytes kept stay within the bound. And the parts of
the stamp that are not the database's version move when they should."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Hashable, Sequence

from rookery.workloads.services.moderation import ModerationService
from rookery.workloads.views.pages import KeptPage, RenderedPages


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def page(body: bytes, next_max: int | None = None) -> KeptPage:
    return KeptPage(body, next_max, None)


def stamped(value: Callable[[], Hashable]) -> Callable[[], Awaitable[Hashable]]:
    async def stamp() -> Hashable:
        return value()

    return stamp


async def test_a_page_is_served_under_its_stamp_only() -> None:
    version = [1]
    pages = RenderedPages(stamped(lambda: version[0]), max_bytes=1 << 20)
    stamp = await pages.stamp()
    pages.keep(("home", 7), stamp, page(b"[1]", 5))
    assert await pages.get(("home", 7), await pages.stamp()) == page(b"[1]", 5)
    version[0] = 2  # anything committed, invalidated or reloaded since
    assert await pages.get(("home", 7), await pages.stamp()) is None
    assert len(pages) == 0  # a stale page is dropped, not kept beside the next one


async def test_a_page_made_before_a_change_is_never_served_after_it() -> None:
    version = [1]
    pages = RenderedPages(stamped(lambda: version[0]), max_bytes=1 << 20)
    stamp = await pages.stamp()  # read before computing ...
    version[0] = 2  # ... a change lands while the page is computed ...
    pages.keep(("home", 7), stamp, page(b"[old]"))
    assert await pages.get(("home", 7), await pages.stamp()) is None  # ... so it is never served


async def test_each_key_has_its_own_page() -> None:
    pages = RenderedPages(stamped(lambda: 1), max_bytes=1 << 20)
    pages.keep(("home", 7, None), 1, page(b"[7]"))
    pages.keep(("account", 3, None, 7), 1, page(b"[3 for 7]"))
    assert await pages.get(("home", 8, None), 1) is None  # another viewer
    assert await pages.get(("account", 3, None, None), 1) is None  # the same account signed out
    assert await pages.get(("account", 3, None, 7), 1) == page(b"[3 for 7]")


async def test_a_page_ends_when_its_time_does() -> None:
    clock = Clock()
    pages = RenderedPages(stamped(lambda: 1), max_bytes=1 << 20, clock=clock)
    pages.keep("poll", 1, page(b"[open poll]"), until=clock.now + 2)
    pages.keep("no clock", 1, page(b"[plain]"), until=math.inf)
    clock.now += 1.9
    assert await pages.get("poll", 1) is not None
    clock.now += 0.1  # the poll closes (or a filter expires) now: rendered again
    assert await pages.get("poll", 1) is None
    assert await pages.get("no clock", 1) is not None


async def test_the_oldest_pages_leave_past_the_bound_and_large_ones_are_not_kept() -> None:
    pages = RenderedPages(stamped(lambda: 1), max_bytes=1600)
    for n in range(20):
        pages.keep(n, 1, page(b"x" * 100))
    assert len(pages) == 16
    assert await pages.get(0, 1) is None and await pages.get(19, 1) is not None
    assert await pages.get(4, 1) is not None  # read: now the newest
    pages.keep("new", 1, page(b"y" * 100))
    assert await pages.get(4, 1) is not None and await pages.get(5, 1) is None
    pages.keep("huge", 1, page(b"z" * 101))  # over a sixteenth of the bound
    assert await pages.get("huge", 1) is None
    pages.keep(4, 1, page(b"w" * 50))  # kept again under the same key: replaced, bytes recounted
    assert await pages.get(4, 1) == page(b"w" * 50)
    for n in range(30, 47):
        pages.keep(n, 1, page(b"v" * 100))
    assert len(pages) == 16


class Versions:
    """An entity cache's versions, as RedisEntityCache.versions answers them."""

    def __init__(self) -> None:
        self.now: dict[tuple[str, int], str] = {}
        self.asked = 0

    async def __call__(self, keys: Sequence[tuple[str, int]]) -> list[str]:
        self.asked += 1
        return [self.now.get(key, "") for key in keys]


async def test_a_page_with_versions_is_served_while_each_is_current() -> None:
    """Production: a page records the version of each entity it was made from; an invalidation of
    any of them (a new version), or one that expired (none), makes it stale."""
    versions = Versions()
    versions.now = {("status", 1): "a", ("account", 2): "b"}
    pages = RenderedPages(stamped(lambda: 1), max_bytes=1 << 20, versions=versions)
    pages.keep("home", 1, page(b"[1]"), versions=dict(versions.now))
    assert await pages.get("home", 1) == KeptPage(b"[1]", None, None, (("status", 1), ("account", 2)), ("a", "b"))
    assert versions.asked == 1  # one read of them all
    versions.now[("account", 2)] = "c"
    assert await pages.get("home", 1) is None
    assert len(pages) == 0
    pages.keep("home", 1, page(b"[1]"), versions=dict(versions.now))
    del versions.now[("status", 1)]  # expired from the cache: no version is current
    assert await pages.get("home", 1) is None
    assert await pages.get("home", 2) is None  # the stamp is checked first: no versions read
    assert versions.asked == 3


async def test_a_page_made_from_an_entity_of_no_version_is_not_kept() -> None:
    pages = RenderedPages(stamped(lambda: 1), max_bytes=1 << 20, versions=Versions())
    pages.keep("home", 1, page(b"[1]"), versions={("status", 1): "a", ("relations", 7): ""})
    assert len(pages) == 0


class HiddenAndRestricted:
    """A moderation store as ``ModerationService.reload`` reads it."""

    def __init__(self) -> None:
        self.hidden: dict[int, int] = {}
        self.suspended: set[int] = set()

    async def hidden_statuses(self) -> dict[int, int]:
        return dict(self.hidden)

    async def restricted(self) -> tuple[set[int], set[int]]:
        return set(self.suspended), set()

    async def unhide_status(self, status_id: int) -> bool:
        return self.hidden.pop(status_id, None) is not None


async def test_the_moderation_filter_generation_moves_with_what_it_hides() -> None:
    """Part of a kept page's stamp: a reload that changes the filter, or a change made in place
    (then announced), moves it; a reload that finds the same does not."""
    store = HiddenAndRestricted()
    service = ModerationService(store, accounts=None, posts=None, timelines=None)  # type: ignore[arg-type]
    await service.reload()
    start = service.filter.generation
    await service.reload()
    assert service.filter.generation == start
    store.hidden[5] = 1
    await service.reload()
    assert service.filter.generation == start + 1 and service.filter.hidden == {5: 1}
    store.suspended.add(9)
    await service.reload()
    assert service.filter.generation == start + 2
    await service.unhide_status(5)  # in place, then announced
    assert service.filter.generation == start + 3
