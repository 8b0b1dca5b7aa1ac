"""The social core: posts, graph, feed and notifications roles (their stores share one store set;
events leave through the outbox; the fan-out and notify consumers take them), the feed role's
lists, and the posts role's direct conversations.

  lists: Mastodon lists, their members and timelines (merged on read); consumer "lists" (graph
    stream): an unfollow or a block takes the account out of the lists
  conversations: maintained by the "conversations" consumer
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rookery.workloads.bootstrap import stores as choose
from rookery.workloads.bootstrap.container import (
    ConversationsRole,
    Events,
    Infrastructure,
    Lifecycle,
    Role,
    SocialRole,
    SocialStores,
)
from rookery.workloads.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from rookery.workloads.domain.edge import EntityKey
    from rookery.workloads.ports.events import EventBus
    from rookery.workloads.ports.feed import ListStore
    from rookery.workloads.ports.notifications import NotificationStore
    from rookery.workloads.services.accounts import AccountsService
    from rookery.workloads.services.feed import HomeRanker
    from rookery.workloads.services.graph import GraphService
    from rookery.workloads.services.lists import ListsService
    from rookery.workloads.services.media import MediaService
    from rookery.workloads.services.posts import ModerationFilter
    from rookery.workloads.services.profiles import ProfilesService
    from rookery.workloads.services.social import AccountDirectory
    from rookery.workloads.views.accounts import AccountViews
    from rookery.workloads.views.pages import RenderedPages


def fanout_consumers(
    settings: Settings, stores: SocialStores, accounts: AccountDirectory, bus: EventBus
) -> None:
    """The feed role's fan-out: one consumer group ``fanout`` for every user; with FeedShards
    (ROOKERY_FEED_SHARDS) it forwards to each shard's topic and keeps the users outside every range;
    a shard's own worker (ROOKERY_FEED_SHARD) consumes its topic in its group for its range."""
    from rookery.workloads.domain.shards import parse_range, parse_shards
    from rookery.workloads.workers.fanout import FanoutWorker, ShardForwarder

    def worker(owners: Callable[[int], bool] | None = None) -> FanoutWorker:
        return FanoutWorker(
            stores.timelines, stores.graph, stores.statuses, accounts,
            threshold=settings.fanout_threshold, owners=owners,
        )  # fmt: skip

    try:
        shards = parse_shards(settings.feed_shards)
        own = parse_range(settings.feed_shard, settings.feed_shard_range) if settings.feed_shard else None
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    if (shards or own) and not settings.kafka_bootstrap:
        raise ConfigurationError("FeedShards (ROOKERY_FEED_SHARDS / ROOKERY_FEED_SHARD) need the Kafka bus")
    if own is not None:
        prefix = f"{settings.tenant}."
        stream = settings.fanout_topic.removeprefix(prefix)
        group = settings.fanout_consumer_group.removeprefix(prefix)
        if not (settings.fanout_topic.startswith(prefix) and settings.fanout_consumer_group.startswith(prefix)):
            raise ConfigurationError(
                f"ROOKERY_FANOUT_TOPIC and ROOKERY_FANOUT_CONSUMER_GROUP must start with the tenant, {prefix!r}"
            )
        worker(own.owns).subscribe_shard(bus, stream, group)
    if shards:

        def outside(user_id: int) -> bool:
            return not any(shard.owns(user_id) for shard in shards)

        ShardForwarder(bus, [f"fanout.{s.name}" for s in shards], worker(outside)).subscribe(bus)
    else:
        worker().subscribe(bus)


def rendered_pages(
    settings: Settings, infra: Infrastructure, moderation: ModerationFilter | None
) -> RenderedPages | None:
    """Whole pages kept (views/pages.py). Embedded mode: every row they are made from is in the one
    SQLite database, whose data_version moves with any commit. Production mode, where the entity
    cache is Redis: PostgreSQL's snapshot, plus the versions of the cached entities each page was
    made from, checked in one round trip."""
    from rookery.workloads.adapters import cached_filters, cached_relations
    from rookery.workloads.adapters.memory.entities import MemoryEntityCache
    from rookery.workloads.adapters.redis.entities import RedisEntityCache
    from rookery.workloads.views.pages import RenderedPages

    if settings.page_cache_mib <= 0:
        return None
    entities = infra.entities
    embedded = infra.postgres is None and infra.cassandra is None and infra.redis is None
    if embedded and isinstance(entities, MemoryEntityCache):
        reader = infra.db.inline

        async def data_version() -> tuple[int, int, int]:
            return reader.data_version(), entities.invalidations, getattr(moderation, "generation", 0)

        return RenderedPages(data_version, settings.page_cache_mib << 20)
    postgres = infra.postgres
    if postgres is None or not isinstance(entities, RedisEntityCache):
        return None

    async def snapshot() -> tuple[str, int]:
        return await postgres.snapshot(), getattr(moderation, "generation", 0)

    def viewer_keys(viewer_id: int) -> list[EntityKey]:  # the viewer's relations and filters, as cached
        return [(cached_relations.KIND, viewer_id), (cached_filters.KIND, viewer_id)]

    return RenderedPages(snapshot, settings.page_cache_mib << 20, versions=entities.versions, viewer_keys=viewer_keys)


def social(
    settings: Settings,
    infra: Infrastructure,
    events: Events,
    roles: set[str],
    stores: SocialStores,
    *,
    accounts: AccountsService,
    account_views: AccountViews,
    notification_store: NotificationStore,
    media: MediaService | None,
    moderation: ModerationFilter | None,
    ranker: HomeRanker | None,
    life: Lifecycle,
) -> SocialRole:
    """``notification_store``: the store the notifications service writes through (the push
    role announces stored notifications on the notifications stream); the notify consumer reads
    ``stores.notifications`` itself."""
    from rookery.workloads.services.feed import CELEBRITY_TTL_S, FeedService
    from rookery.workloads.services.filters import FiltersService
    from rookery.workloads.services.graph import GraphService
    from rookery.workloads.services.interactions import InteractionsService
    from rookery.workloads.services.notifications import NotificationsService
    from rookery.workloads.services.polls import PollsService
    from rookery.workloads.services.posts import PostsService
    from rookery.workloads.services.scheduled import ScheduledStatusesService
    from rookery.workloads.views.statuses import StatusViews
    from rookery.workloads.workers.notify import NotifyWorker
    from rookery.workloads.workers.periodic import Periodic
    from rookery.workloads.workers.polls import PollCloser

    posts = PostsService(
        stores.statuses,
        stores.graph,
        accounts,
        infra.entities,
        base_url=settings.base_url,
        tenant=settings.tenant,
        media=media,
        moderation=moderation,
        polls=stores.polls,
        poll_min_expires_in=settings.poll_min_expires_in_s,
    )
    interactions = InteractionsService(posts, stores.interactions, stores.conversation_mutes)
    pages = rendered_pages(settings, infra, moderation)
    feed = FeedService(
        stores.timelines, stores.statuses, stores.interactions, stores.graph, posts, ranker=ranker,
        # embedded pages: the celebrities are kept by the store, exactly
        celebrity_ttl_s=0.0 if pages is not None and pages.versions is None else CELEBRITY_TTL_S,
    )  # fmt: skip
    notifications = NotificationsService(notification_store, stores.graph, posts, stores.notification_filters)
    filters = FiltersService(stores.filters, posts) if stores.filters is not None else None
    status_views = StatusViews(
        stores.statuses, interactions, account_views, infra.entities, settings.base_url, media=media,
        polls=stores.polls, filters=filters, overlap_reads=infra.redis is not None,
    )  # fmt: skip
    if pages is not None and filters is not None:  # a page ends when a filter expires: by the filters' own clock
        pages.clock = lambda: filters.clock().timestamp()
    status_views.pages = pages
    scheduled = None
    if stores.scheduled is not None:
        scheduled = ScheduledStatusesService(
            stores.scheduled, posts, infra.locks, media=media, delivery=feed,
            min_lead_s=settings.scheduled_status_min_lead_s,
        )  # fmt: skip
        if "posts" in roles:
            publisher = Periodic(
                "scheduled-publisher", scheduled.publish_due, interval_s=settings.scheduled_status_interval_s
            )
            life.starters.append(publisher.start)
            life.stoppers.append(publisher.stop)  # registered after the stores: stops before them
    polls = PollsService(stores.polls, posts, tenant=settings.tenant) if stores.polls is not None else None
    if polls is not None and "posts" in roles:
        closer = PollCloser(polls, interval_s=settings.poll_close_interval_s)
        life.starters.append(closer.start)
        life.stoppers.append(closer.stop)  # stops before the stores it closes polls in
    if "feed" in roles:
        fanout_consumers(settings, stores, accounts, events.bus)
    if "notifications" in roles:
        NotifyWorker(notifications, stores.notifications, stores.statuses, stores.conversation_mutes).subscribe(
            events.bus
        )
    graph = GraphService(stores.graph, accounts, tenant=settings.tenant, profiles=stores.profiles)
    return SocialRole(
        stores=stores,
        posts=posts,
        interactions=interactions,
        graph=graph,
        feed=feed,
        notifications=notifications,
        status_views=status_views,
        polls=polls,
        filters=filters,
        scheduled=scheduled,
        profiles=profiles_service(stores, graph, accounts),
    )


def profiles_service(stores: SocialStores, graph: GraphService, accounts: AccountsService) -> ProfilesService | None:
    from rookery.workloads.services.profiles import ProfilesService

    if stores.profiles is None:
        return None
    return ProfilesService(stores.profiles, graph, stores.graph, accounts, stores.statuses)


def lists(
    infra: Infrastructure, events: Events, life: Lifecycle, social: SocialRole, accounts: AccountsService
) -> Role[ListStore, ListsService]:
    from rookery.workloads.services.lists import ListsService
    from rookery.workloads.workers.lists import ListsWorker

    store = choose.lists(infra, life)
    service = ListsService(store, social.stores.graph, accounts, social.stores.statuses, social.posts)
    ListsWorker(service).subscribe(events.bus)
    return Role(store, service)


def conversations(
    infra: Infrastructure, events: Events, life: Lifecycle, social: SocialRole, account_views: AccountViews
) -> ConversationsRole:
    from rookery.workloads.services.conversations import ConversationsService
    from rookery.workloads.views.conversations import ConversationViews
    from rookery.workloads.workers.conversations import ConversationsWorker

    store = choose.conversations(infra, life)
    views = ConversationViews(account_views, social.status_views)
    service = ConversationsService(store, infra.realtime, render=views.one)
    ConversationsWorker(service).subscribe(events.bus)
    return ConversationsRole(store=store, service=service, views=views)
