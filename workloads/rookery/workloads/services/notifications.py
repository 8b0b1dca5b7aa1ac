"""Notification use cases: record what happened to an account (from the event consumers), and
list, get, dismiss and clear them. Blocked and muted accounts produce none, and vanish on read."""

from __future__ import annotations

from rookery.workloads.domain.notifications import POLL, Notification, should_notify, type_filter
from rookery.workloads.domain.pagination import PageRequest, trim
from rookery.workloads.ids import new_id
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.notifications import NotificationStore
from rookery.workloads.services.posts import PostsService
from rookery.workloads.services.social import NotFoundError

OVERFETCH = 10


class NotificationsService:
    def __init__(self, store: NotificationStore, graph: GraphStore, posts: PostsService) -> None:
        self.store = store
        self.graph = graph
        self.posts = posts

    async def notify(
        self, recipient_id: int, type_: str, actor_id: int, status_id: int | None = None
    ) -> bool:
        if not (type_ == POLL and recipient_id == actor_id):  # the author hears of their own poll
            relations = await self.graph.viewer_relations(recipient_id, [actor_id])
            if not should_notify(recipient_id, actor_id, relations):
                return False
        return await self.store.add(Notification(new_id(), recipient_id, type_, actor_id, status_id))

    async def recent(
        self,
        account_id: int,
        page: PageRequest,
        *,
        types: list[str] | None = None,
        exclude_types: list[str] | None = None,
        from_account_id: int | None = None,
    ) -> tuple[list[Notification], int | None, int | None]:
        """Notifications newest first, and the cursors (next max_id, prev min_id)."""
        admitted = type_filter(types, exclude_types)
        found = await self.store.recent(account_id, page.widened(OVERFETCH), admitted, from_account_id)
        shown = trim(await self._shown(account_id, found), page)
        if not shown:
            return [], (found[-1].id if found and not page.ascending else None), None
        return shown, shown[-1].id, shown[0].id

    async def get(self, account_id: int, notification_id: int) -> Notification:
        found = await self.store.get(account_id, notification_id)
        if found is None or not await self._shown(account_id, [found]):
            raise NotFoundError("Record not found")
        return found

    async def dismiss(self, account_id: int, notification_id: int) -> None:
        if not await self.store.dismiss(account_id, notification_id):
            raise NotFoundError("Record not found")

    async def clear(self, account_id: int) -> None:
        await self.store.clear(account_id)

    async def _shown(self, account_id: int, found: list[Notification]) -> list[Notification]:
        """Drop notifications from accounts now blocked or muted, and about statuses gone or hidden."""
        relations = await self.graph.viewer_relations(account_id, list({n.from_account_id for n in found}))
        kept = [n for n in found if _own_poll(n) or should_notify(account_id, n.from_account_id, relations)]
        status_ids = [n.status_id for n in kept if n.status_id is not None]
        visible = {s.id for s in await self.posts.get_many_visible(status_ids, account_id)}
        return [n for n in kept if n.status_id is None or n.status_id in visible]


def _own_poll(n: Notification) -> bool:
    return n.type == POLL and n.from_account_id == n.account_id
