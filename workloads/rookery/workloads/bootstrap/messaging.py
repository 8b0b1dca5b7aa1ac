"""messaging role (chats: members, messages, read markers, delivered on the Realtime port) and
the notifications role's push channels (Web Push, e-mail, APNs, FCM)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rookery.workloads.bootstrap import stores as choose
from rookery.workloads.bootstrap.container import (
    AccountsRole,
    Events,
    Infrastructure,
    Lifecycle,
    PushChannels,
    Role,
    SocialStores,
)
from rookery.workloads.settings import Settings

if TYPE_CHECKING:
    from rookery.workloads.ports.accounts import AccountRepository
    from rookery.workloads.ports.graph import GraphStore
    from rookery.workloads.ports.messaging import MessageStore
    from rookery.workloads.ports.posts import StatusRepository
    from rookery.workloads.services.messaging import MessagingService
    from rookery.workloads.services.push import PushService


def messaging(
    settings: Settings,
    infra: Infrastructure,
    events: Events,
    life: Lifecycle,
    accounts: AccountsRole,
    graph: GraphStore | None,  # blocks; None only when the graph role is not in this process
) -> Role[MessageStore, MessagingService]:
    from rookery.workloads.services.messaging import MessagingService
    from rookery.workloads.views.chats import ChatRenderer

    store = choose.messages(infra, events, life)
    service = MessagingService(
        store,
        accounts.repository,
        graph,
        infra.realtime,
        tenant=settings.tenant,
        render_message=ChatRenderer(accounts.views).message,
    )
    return Role(store, service)


def push(
    settings: Settings,
    events: Events,
    channels: PushChannels,
    accounts: AccountRepository,
    social: SocialStores | None,
) -> Role[PushChannels, PushService]:
    from rookery.workloads.services.push import PushService
    from rookery.workloads.workers import push as push_worker

    statuses: StatusRepository | None = social.statuses if social is not None else None
    service = PushService(
        channels.subscriptions,
        channels.web_push,
        channels.web_push.keys.public_key,
        accounts,
        graph=social.graph if social is not None else None,
        statuses=statuses,
        allow_private_endpoints=settings.push_allow_private_endpoints,
    )
    push_worker.register(events.bus, service)
    return Role(channels, service)
