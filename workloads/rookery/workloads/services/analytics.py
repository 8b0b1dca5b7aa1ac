"""Analytics use cases (analytics role): turning the platform's events into interaction events,
aggregating them into trends and counters, and reading trends and dashboard numbers back.

The aggregation is at-least-once safe: each analytics event is counted once (``first_time``).
Trends only count public, non-sensitive statuses of accounts that are not silenced or suspended;
reads drop statuses hidden or deleted since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

from rookery.workloads.domain import analytics
from rookery.workloads.domain.analytics import TrendWindow
from rookery.workloads.domain.events import Event
from rookery.workloads.domain.statuses import PUBLIC, Status
from rookery.workloads.ports.analytics import TrendStore
from rookery.workloads.ports.posts import StatusRepository
from rookery.workloads.services.moderation import ReadFilter
from rookery.workloads.services.social import FAVOURITED, FOLLOWED, STATUS_CREATED, UNFOLLOWED

BEHAVIOUR_KEEP = 200  # recent interaction events kept per account (anomaly features)
TRENDS_MAX = 20


class AnalyticsService:
    def __init__(
        self,
        store: TrendStore,
        statuses: StatusRepository,
        window: TrendWindow | None = None,
        read_filter: ReadFilter | None = None,
    ) -> None:
        self.store = store
        self.statuses = statuses
        self.window = window or TrendWindow()
        self.read_filter = read_filter or ReadFilter()

    # --- platform events -> interaction events --------------------------------------------------

    async def interactions_of(self, source: Event) -> list[dict[str, Any]]:
        """The interaction events (the training export's shape) a platform event stands for."""
        payload = source.payload
        at = source.occurred_at
        if source.type == STATUS_CREATED:
            status = await self.statuses.get(int(payload["status_id"]))
            if status is None:
                return []
            if status.reblog_of_id is not None:
                original = await self.statuses.get(status.reblog_of_id)
                if original is None:
                    return []
                return [self._engagement("reblog", status.account_id, at, original)]
            found = [
                analytics.interaction(
                    "status",
                    status.account_id,
                    at,
                    status_id=status.id,
                    author_id=status.account_id,
                    status_created_at=status.created_at,
                    text=status.text,
                    visibility=status.visibility,
                    sensitive=status.sensitive,
                    tags=list(status.tags),
                )
            ]
            if status.in_reply_to_id is not None:
                parent = await self.statuses.get(status.in_reply_to_id)
                if parent is not None and parent.account_id != status.account_id:
                    found.append(self._engagement("reply", status.account_id, at, parent))
            for mentioned in status.mentions:
                found.append(
                    analytics.interaction("mention", status.account_id, at, target_account_id=mentioned)
                )
            return found
        if source.type == FAVOURITED:
            status = await self.statuses.get(int(payload["status_id"]))
            return (
                []
                if status is None
                else [self._engagement("favourite", int(payload["account_id"]), at, status)]
            )
        if source.type in (FOLLOWED, UNFOLLOWED):
            kind = "follow" if source.type == FOLLOWED else "unfollow"
            return [
                analytics.interaction(
                    kind, int(payload["account_id"]), at, target_account_id=int(payload["target_id"])
                )
            ]
        return []

    @staticmethod
    def _engagement(kind: str, account_id: int, at: str, status: Status) -> dict[str, Any]:
        return analytics.interaction(
            kind,
            account_id,
            at,
            status_id=status.id,
            author_id=status.account_id,
            status_created_at=status.created_at,
            visibility=status.visibility,
            sensitive=status.sensitive,
        )

    # --- aggregation ----------------------------------------------------------------------------

    async def aggregate(self, event_id: str, item: dict[str, Any]) -> int | None:
        """Count one interaction event; returns the account's event total (None when seen before)."""
        moment = analytics.parse_time(item.get("created_at"))
        bucket = analytics.bucket_of(moment)
        account_id = int(item["account_id"])
        kind = item["type"]
        counters: list[tuple[str, int]] = [(f"account:{account_id}:{kind}", 1)]
        trends: list[tuple[str, str, int, float]] = []
        claim = None
        if kind == "status":
            counters.append((analytics.STATUSES, 1))
            if self._trendable(item):
                trends = [(analytics.TAG, str(tag).lower(), bucket, 1.0) for tag in item.get("tags") or ()]
                claim = analytics.tag_claim(int(item["status_id"]))
        elif kind in analytics.ENGAGEMENT_WEIGHTS:
            counters.append((analytics.INTERACTIONS, 1))
            if self._trendable(item):
                weight = analytics.ENGAGEMENT_WEIGHTS[kind]
                trends = [(analytics.STATUS, str(item["status_id"]), bucket, weight)]
        elif kind == "follow":
            counters.append((analytics.INTERACTIONS, 1))
        exported = {k: v for k, v in item.items() if k not in ("visibility", "sensitive", "tags")}
        tally = analytics.Tally(
            event_id,
            account_id,
            analytics.day_of(moment),
            exported,
            tuple(counters),
            tuple(trends),
            claim,
            BEHAVIOUR_KEEP,
        )
        return await self.store.record(tally)

    def _trendable(self, item: dict[str, Any]) -> bool:
        author = int(item.get("author_id") or item["account_id"])
        return (
            item.get("visibility") == PUBLIC
            and not item.get("sensitive")
            and author not in self.read_filter.silenced
            and author not in self.read_filter.suspended
            and int(item.get("status_id") or 0) not in self.read_filter.hidden
        )

    async def sign_up(self, at: dt.datetime | None = None) -> None:
        await self.store.count(analytics.NEW_USERS, analytics.day_of(at or dt.datetime.now(dt.UTC)))

    # --- reading --------------------------------------------------------------------------------

    async def trending_tags(self, limit: int, offset: int = 0) -> list[tuple[str, float]]:
        weights = self.window.weights(dt.datetime.now(dt.UTC))
        return (await self.store.top(analytics.TAG, weights, offset + limit))[offset:]

    async def trending_status_ids(self, limit: int, offset: int = 0) -> list[int]:
        """Status ids by decayed engagement, hidden ones left out (callers re-check visibility)."""
        weights = self.window.weights(dt.datetime.now(dt.UTC))
        ranked = await self.store.top(analytics.STATUS, weights, (offset + limit) * 2 + 10)
        ids = [int(key) for key, _ in ranked if int(key) not in self.read_filter.hidden]
        return ids[offset : offset + limit]

    async def daily(self, name: str, days: Sequence[dt.date]) -> list[int]:
        return await self.store.counts(name, days)

    async def active_accounts(self, days: Sequence[dt.date]) -> int:
        return await self.store.active(days)

    async def behaviour(self, account_id: int) -> list[dict[str, Any]]:
        return await self.store.behaviour(account_id)

    async def export(self, batch: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """Every logged interaction event, oldest first (`rookery inference train`'s JSONL lines)."""
        after: str | None = None
        while True:
            found = await self.store.read_log(after, batch)
            for cursor, item in found:
                after = cursor
                yield item
            if len(found) < batch:
                return


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end`` inclusive (at most a year)."""
    count = min((end - start).days, 366)
    return [start + dt.timedelta(days=i) for i in range(count + 1)]
