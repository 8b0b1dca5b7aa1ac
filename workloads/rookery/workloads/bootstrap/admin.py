"""admin + analytics roles and the AI layer (README "Moderation, trends and the AI layer").

  stores (stores.py): moderation (SQLite or PostgreSQL), trends (SQLite or Redis), ModelClient
  consumers: "moderation" (posts), "analytics" (posts, interactions, graph -> analytics stream),
    "trends" (analytics: aggregator + anomaly watcher)

The read filter (``ReadFilter``: hidden statuses, suspended and silenced authors) is made first and
handed to posts, analytics and moderation alike; analytics is built before the accounts service
(it counts sign-ups through the accounts repository's decorator).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from rookery.workloads.bootstrap.container import AdminRole, AdminStores, Events, Infrastructure, Lifecycle
from rookery.workloads.settings import Settings

if TYPE_CHECKING:
    from rookery.workloads.ports.feed import TimelineStore
    from rookery.workloads.ports.posts import StatusRepository
    from rookery.workloads.services.accounts import AccountsService
    from rookery.workloads.services.analytics import AnalyticsService
    from rookery.workloads.services.feed import HomeRanker
    from rookery.workloads.services.moderation import ReadFilter
    from rookery.workloads.services.posts import PostsService
    from rookery.workloads.services.search import SearchService


def analytics(
    settings: Settings, stores: AdminStores, statuses: StatusRepository, read_filter: ReadFilter
) -> AnalyticsService:
    from rookery.workloads.domain.analytics import TrendWindow
    from rookery.workloads.services.analytics import AnalyticsService

    window = TrendWindow(settings.trends_window_hours, settings.trends_half_life_hours)
    return AnalyticsService(stores.trends, statuses, window, read_filter)


def ranker(
    settings: Settings, infra: Infrastructure, stores: AdminStores, statuses: StatusRepository
) -> HomeRanker | None:
    """ROOKERY_RANKING_ENABLED: home timelines ranked by the model (the feed service asks it)."""
    if not settings.ranking_enabled:
        return None
    from rookery.workloads.services.ranking import RankingService

    return RankingService(stores.models, statuses, settings.ranking_timeout_s, infra.cache)


def admin(
    settings: Settings,
    infra: Infrastructure,
    events: Events | None,
    life: Lifecycle,
    stores: AdminStores,
    *,
    stats: AnalyticsService,
    read_filter: ReadFilter,
    accounts: AccountsService,
    posts: PostsService,
    statuses: StatusRepository,
    timelines: TimelineStore,
    search: SearchService | None,
) -> AdminRole:
    from rookery.workloads.adapters.inference import InProcessModelClient
    from rookery.workloads.services.moderation import ModerationService
    from rookery.workloads.workers.analytics import AnalyticsForwarder, TrendAggregator
    from rookery.workloads.workers.anomaly import AnomalyWatcher
    from rookery.workloads.workers.moderation import ModerationWorker

    moderation = ModerationService(
        stores.moderation,
        accounts,
        posts,
        timelines,
        counters=stores.trends,
        search=search,
        refresh_s=settings.moderation_refresh_s,
        read_filter=read_filter,
        realtime=infra.realtime,  # the other processes' filters reload when told
    )
    life.starters.append(moderation.start)
    life.stoppers.append(moderation.stop)
    worker = None
    if events is not None:
        anomaly = AnomalyWatcher(stores.models, stats, moderation, settings.anomaly_every_events)
        AnalyticsForwarder(stats, events.bus, settings.tenant).subscribe(events.bus)
        TrendAggregator(stats, anomaly.on_account).subscribe(events.bus)
        if settings.moderation_enabled:
            worker = ModerationWorker(stores.models, statuses, moderation, infra.cache)
            worker.subscribe(events.bus)
        if settings.models_warm_up and isinstance(stores.models, InProcessModelClient):
            used = ["anomaly", *(["moderation"] if worker is not None else [])]
            life.starters.append(functools.partial(stores.models.preload, used))
    return AdminRole(stores=stores, moderation=moderation, analytics=stats, moderation_worker=worker)
