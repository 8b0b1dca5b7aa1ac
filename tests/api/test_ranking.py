"""Home timeline ranking (ROOKERY_RANKING_ENABLED): off by default; when on, only the first page
is reordered, its Link cursors stay those of the chronological page (paging on is exact), and a
ranking model that fails leaves the page chronological."""

from __future__ import annotations

from collections.abc import Sequence

from api_support import Api
from social_support import follow, post, settle

from rookery.workloads.adapters.inference import InProcessModelClient
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.services.ranking import RankingService


class NewestLast:
    """A HomeRanker (the feed's ranking port) that reverses the page: any reorder shows."""

    def __init__(self) -> None:
        self.calls = 0

    async def rank(self, viewer_id: int, entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
        self.calls += 1
        return list(reversed(entries))


async def test_ranking_is_off_by_default_and_reorders_only_the_first_page(api: Api) -> None:
    feed = api.container_of("feed").social.feed  # [split]: the app that serves the home timeline
    assert feed.ranker is None
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    await follow(api, alice, bob)
    await settle(api)
    posted = [(await post(api, bob, f"post {i}"))["id"] for i in range(7)]
    await settle(api)
    chronological = list(reversed(posted))

    feed.ranker = ranker = NewestLast()
    first = await api.client.get("/api/v1/timelines/home", headers=alice.headers, params={"limit": 3})
    assert [s["id"] for s in first.json()] == list(reversed(chronological[:3]))
    assert f"max_id={chronological[2]}" in first.headers["link"]
    assert f"min_id={chronological[0]}" in first.headers["link"]
    second = await api.client.get(
        "/api/v1/timelines/home", headers=alice.headers, params={"limit": 3, "max_id": chronological[2]}
    )
    assert [s["id"] for s in second.json()] == chronological[3:6]  # not ranked, no gap, no repeat
    assert ranker.calls == 1
    newer = await api.client.get(
        "/api/v1/timelines/home", headers=alice.headers, params={"min_id": chronological[1]}
    )
    assert [s["id"] for s in newer.json()] == [chronological[0]]
    assert ranker.calls == 1


async def test_ranking_service_over_the_in_process_model_and_its_fallback(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    ids = [int((await post(api, bob, f"p{i}"))["id"]) for i in range(4)]
    statuses = api.container.social.stores.statuses
    entries = [TimelineEntry(i, bob.account_id, None, None, "public", None) for i in reversed(ids)]
    models = InProcessModelClient(models=("ranking",))
    await models.warm_up()
    ranked = await RankingService(models, statuses, timeout_s=5.0).rank(alice.account_id, entries)
    assert sorted(e.status_id for e in ranked) == sorted(ids)  # the same page, in the model's order
    unserved = InProcessModelClient(models=())  # every call: ModelUnavailable
    fallback = await RankingService(unserved, statuses).rank(alice.account_id, entries)
    assert fallback == entries


async def test_a_refreshed_first_page_reuses_the_cached_order(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    ids = [int((await post(api, bob, f"p{i}"))["id"]) for i in range(3)]
    # oldest first: the (untrained, recency-first) model's order differs from the fallback's
    entries = [TimelineEntry(i, bob.account_id, None, None, "public", None) for i in ids]
    models = InProcessModelClient(models=("ranking",))
    await models.warm_up()
    cache = api.container.infra.cache
    ranking = RankingService(models, api.container.social.stores.statuses, timeout_s=5.0, cache=cache)
    first = await ranking.rank(alice.account_id, entries)
    assert first != entries
    cached = RankingService(InProcessModelClient(models=()), api.container.social.stores.statuses, cache=cache)
    assert await cached.rank(alice.account_id, entries) == first  # no model needed the second time
