"""The use cases under test, built over the embedded adapters (SQLite in tmp_path, the memory
cache, locks and realtime, the in-process event log): the one place these tests construct them.

``house`` is a started container of every role, so each service gets the collaborators and
decorators the application gives it; a change to how services are built (constructor
injection, a typed container) is an edit here, not in the tests. Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import pathlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from rookery.workloads.bootstrap import ALL_ROLES, Container, build
from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.statuses import Draft, Status
from rookery.workloads.ports.edge import Realtime
from rookery.workloads.ports.media import MediaRepository
from rookery.workloads.ports.notifications import NotificationStore, PushSender
from rookery.workloads.ports.posts import ConversationMuteStore
from rookery.workloads.services.accounts import AccountsService
from rookery.workloads.services.analytics import AnalyticsService
from rookery.workloads.services.conversations import ConversationsService
from rookery.workloads.services.feed import FeedService
from rookery.workloads.services.graph import GraphService
from rookery.workloads.services.interactions import InteractionsService
from rookery.workloads.services.lists import ListsService
from rookery.workloads.services.media import MediaService
from rookery.workloads.services.messaging import MessagingService
from rookery.workloads.services.moderation import ModerationService
from rookery.workloads.services.notifications import NotificationsService
from rookery.workloads.services.oauth import OAuthService
from rookery.workloads.services.posts import PostsService
from rookery.workloads.services.push import PushService
from rookery.workloads.services.search import SearchService
from rookery.workloads.settings import Settings

PASSWORD = "a-long-enough-password"
T = TypeVar("T")
_names = itertools.count(1)


def need(part: T | None) -> T:
    assert part is not None, "every role is in the house"
    return part


class House:
    """Typed access to the services of one embedded container."""

    def __init__(self, container: Container) -> None:
        self.container = container

    @property
    def conversation_mutes(self) -> ConversationMuteStore:
        return need(self.container.social).stores.conversation_mutes

    @property
    def notification_store(self) -> NotificationStore:
        return need(self.container.social).stores.notifications

    @property
    def media_repository(self) -> MediaRepository:
        return need(self.container.media).stores.repository

    @property
    def realtime(self) -> Realtime:
        return self.container.infra.realtime

    @property
    def accounts(self) -> AccountsService:
        return need(self.container.accounts).service

    @property
    def analytics(self) -> AnalyticsService:
        return need(self.container.admin).analytics

    @property
    def oauth(self) -> OAuthService:
        return need(self.container.accounts).oauth

    @property
    def posts(self) -> PostsService:
        return need(self.container.social).posts

    @property
    def interactions(self) -> InteractionsService:
        return need(self.container.social).interactions

    @property
    def graph(self) -> GraphService:
        return need(self.container.social).graph

    @property
    def feed(self) -> FeedService:
        return need(self.container.social).feed

    @property
    def notifications(self) -> NotificationsService:
        return need(self.container.social).notifications

    @property
    def lists(self) -> ListsService:
        return need(self.container.lists).service

    @property
    def messaging(self) -> MessagingService:
        return need(self.container.messaging).service

    @property
    def media(self) -> MediaService:
        return need(self.container.media).service

    @property
    def search(self) -> SearchService:
        return need(self.container.search).service

    @property
    def moderation(self) -> ModerationService:
        return need(self.container.admin).moderation

    @property
    def conversations(self) -> ConversationsService:
        return need(self.container.conversations).service

    @property
    def push(self) -> PushService:
        return need(self.container.push).service

    def push_through(self, sender: PushSender) -> PushService:
        """The push use case over this house's subscriptions, accounts, graph and statuses, delivering
        through ``sender`` (the push services themselves are out of reach here); no retry backoff."""
        social = need(self.container.social)
        return PushService(
            need(self.container.push).stores.subscriptions,
            sender,
            self.push.server_key,
            need(self.container.accounts).repository,
            graph=social.stores.graph,
            statuses=social.stores.statuses,
            retry_backoff_s=0.0,
        )

    async def settle(self, timeout_s: float = 10.0) -> None:
        """Until the outbox is relayed and every event consumer (fan-out, notify, index, lists ...)
        has handled everything published: what they do in the background has happened."""
        events = need(self.container.events)
        outbox, bus = events.outbox, events.bus  # the embedded event log (wait_idle)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            while await outbox.pending(1):
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError("the outbox was not relayed")
                await asyncio.sleep(0.01)
            await bus.wait_idle(timeout_s)
            if not await outbox.pending(1):  # consumers may have written events of their own
                return

    # ---- arranging ---------------------------------------------------------------------------

    async def user(self, name: str | None = None, *, locked: bool = False, role: str = "user") -> Account:
        name = name or f"user{next(_names)}"
        return await self.accounts.register(name, f"{name}@example.org", PASSWORD, locked=locked, role=role)

    async def post(self, author: Account, text: str = "hello", **draft: Any) -> Status:
        return await self.posts.create(author.id, Draft(text, **draft))

    async def account(self, account_id: int) -> Account:
        account = await self.accounts.get(account_id)
        assert account is not None
        return account


def settings(data_dir: pathlib.Path, **overrides: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        password_time_cost=1,
        password_memory_kib=8192,
        moderation_enabled=False,  # no model here: the moderation consumer would only fall back
        **overrides,
    )


@contextlib.asynccontextmanager
async def started_house(data_dir: pathlib.Path, **overrides: Any) -> AsyncIterator[House]:
    container = build(settings(data_dir, **overrides), ALL_ROLES)
    await container.start()
    try:
        yield House(container)
    finally:
        await container.close()
