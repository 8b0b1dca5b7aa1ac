"""Home timeline ranking (feed role, ROOKERY_RANKING_ENABLED): the first page's entries reordered by
the ``ranking`` model, within a tight deadline; on any failure the page stays chronological.

Only the order inside the page changes: the page holds the same entries, and its Link cursors are
computed from the page's id range before ranking, so paging on stays exact.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter

from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.domain.unavailable import ModelUnavailable
from rookery.workloads.ports.edge import Cache
from rookery.workloads.ports.inference import ModelClient
from rookery.workloads.ports.posts import StatusRepository

log = logging.getLogger(__name__)
ORDER_TTL_S = 30.0
RANKINGS = Counter(
    "rookery_home_rankings_total",
    "Home timeline first pages by outcome: ranked by the model, or chronological fallback.",
    ["outcome"],
)


class RankingService:
    def __init__(
        self,
        client: ModelClient,
        statuses: StatusRepository,
        timeout_s: float = 0.15,
        cache: Cache | None = None,
    ) -> None:
        self.cache = cache  # a refreshed first page with the same entries reuses its order
        self.client = client
        self.statuses = statuses
        self.timeout_s = timeout_s

    async def rank(self, viewer_id: int, entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
        if len(entries) < 2:
            return list(entries)
        key = (
            f"ranking:{viewer_id}:"
            + hashlib.sha1(
                ",".join(str(e.status_id) for e in entries).encode(), usedforsecurity=False
            ).hexdigest()
        )
        try:
            async with asyncio.timeout(self.timeout_s):
                cached = await self.cache.get(key) if self.cache is not None else None
                if cached is not None:
                    order = [int(i) for i in cached.split(b",") if i]
                else:
                    order = await self._order(viewer_id, entries)
                    if self.cache is not None:
                        await self.cache.set(key, ",".join(map(str, order)).encode(), ttl_s=ORDER_TTL_S)
        except (ModelUnavailable, TimeoutError) as exc:
            RANKINGS.labels("fallback").inc()
            log.debug("ranking fell back to chronological: %s", exc)
            return list(entries)
        RANKINGS.labels("ranked").inc()
        by_id = {e.status_id: e for e in entries}
        ranked = [by_id[i] for i in order if i in by_id]
        seen = set(order)
        return ranked + [e for e in entries if e.status_id not in seen]  # anything the model left out

    async def _order(self, viewer_id: int, entries: Sequence[TimelineEntry]) -> list[int]:
        content_ids = [e.reblog_of_id or e.status_id for e in entries]
        found = await self.statuses.get_many(content_ids)
        candidates: list[dict[str, Any]] = []
        for entry, content_id in zip(entries, content_ids, strict=True):
            status = found.get(content_id)
            if status is None:
                continue
            candidates.append(
                {
                    "status_id": str(entry.status_id),
                    "author_id": str(status.account_id),
                    "created_at": status.created_at.isoformat(),
                    "favourites_count": status.favourites_count,
                    "reblogs_count": status.reblogs_count,
                    "replies_count": status.replies_count,
                }
            )
        predictions = await self.client.predict(
            "ranking", [{"account_id": str(viewer_id), "candidates": candidates}]
        )
        try:
            return [int(item["status_id"]) for item in predictions[0]["ranked"]]
        except (KeyError, IndexError, TypeError, ValueError):
            raise ModelUnavailable("ranking answered without a ranked list") from None
