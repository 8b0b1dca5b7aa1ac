"""Streaming: the gateway role's hub (one Realtime listener per process) serves the sockets; the
"streaming" consumer renders statuses and notifications and publishes them on the Realtime port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rookery.workloads.bootstrap.container import Events, Infrastructure, Lifecycle, SocialRole

if TYPE_CHECKING:
    from rookery.workloads.domain.notifications import Notification
    from rookery.workloads.ports.feed import ListStore
    from rookery.workloads.ports.graph import GraphStore
    from rookery.workloads.services.filters import FiltersService
    from rookery.workloads.services.lists import ListsService
    from rookery.workloads.services.streaming import StreamHub
    from rookery.workloads.views.accounts import AccountViews


def hub(
    infra: Infrastructure,
    life: Lifecycle,
    graph: GraphStore | None,
    lists: ListStore | None,
    filters: FiltersService | None = None,
) -> StreamHub:
    """``filters``: the viewers' filters, applied to the statuses each socket receives."""
    from rookery.workloads.services.streaming import StreamHub
    from rookery.workloads.views.filters import payload_filter

    found = StreamHub(infra.realtime, graph, lists=lists, filters=payload_filter(filters) if filters else None)
    life.starters.append(found.start)
    life.stoppers.append(found.stop)  # stops before the stores it filters with
    return found


def publisher(
    infra: Infrastructure, events: Events, social: SocialRole, account_views: AccountViews, lists: ListsService | None
) -> None:
    from rookery.workloads.views.social import render_notifications
    from rookery.workloads.workers.streaming import StreamingPublisher

    views = social.status_views

    async def render_status(status_id: int) -> dict[str, object] | None:
        rendered = await views.render([status_id], None)
        return rendered[0] if rendered else None

    async def render_notification(notification: Notification) -> dict[str, object] | None:
        owner = notification.account_id
        rendered = await render_notifications([notification], owner, account_views, views)
        return rendered[0] if rendered else None

    StreamingPublisher(
        infra.realtime,
        social.stores.statuses,
        social.stores.graph,
        social.stores.notifications,
        render_status,
        render_notification,
        lists=lists.receiving if lists is not None else None,
    ).subscribe(events.bus)
