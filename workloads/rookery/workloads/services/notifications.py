"""Notification use cases: record what happened to an account (from the event consumers), and
list, get, dismiss and clear them. Blocked and muted accounts produce none, and vanish on read."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from rookery.workloads.domain import notification_policy as policies
from rookery.workloads.domain.errors import RuleViolation
from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.notification_policy import NotificationPolicy, NotificationRequest, Sender
from rookery.workloads.domain.notifications import (
    MENTION,
    POLL,
    GroupKey,
    Notification,
    NotificationGroup,
    group_key_of,
    grouped_types_filter,
    parse_group_key,
    should_notify,
    type_filter,
)
from rookery.workloads.domain.pagination import PageRequest, select_page, trim
from rookery.workloads.ids import id_at, new_id
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.notifications import NotificationFilterStore, NotificationStore
from rookery.workloads.services.posts import PostsService
from rookery.workloads.services.social import NotFoundError

OVERFETCH = 10
WALK_BATCH = 80  # notifications read at a time while grouping
SAMPLE_ACCOUNTS = 8  # Mastodon's sample_account_ids


class NotificationsService:
    def __init__(
        self,
        store: NotificationStore,
        graph: GraphStore,
        posts: PostsService,
        filters: NotificationFilterStore | None = None,
    ) -> None:
        self.store = store
        self.graph = graph
        self.posts = posts
        self.filters = filters  # policies and requests (None: every notification is accepted)

    async def notify(self, recipient_id: int, type_: str, actor_id: int, status_id: int | None = None) -> bool:
        if type_ == POLL and recipient_id == actor_id:  # the author hears of their own poll
            return await self.store.add(Notification(new_id(), recipient_id, type_, actor_id, status_id))
        relations = await self.graph.viewer_relations(recipient_id, [actor_id])
        if not should_notify(recipient_id, actor_id, relations):
            return False
        notification = Notification(new_id(), recipient_id, type_, actor_id, status_id)
        verdict = await self._verdict(notification, relations)
        if verdict == policies.DROP:
            return False
        if verdict == policies.FILTER and self.filters is not None:
            await self.filters.hold(notification)
            return False
        return await self.store.add(notification)

    async def _verdict(self, n: Notification, relations: ViewerRelations) -> str:
        """What the recipient's notification policy says of this notification."""
        if self.filters is None or n.type in policies.UNFILTERED_TYPES:
            return policies.ACCEPT
        policy = await self.filters.policy(n.account_id)
        if all(getattr(policy, name) == policies.ACCEPT for name in policies.FIELDS):
            return policies.ACCEPT
        if await self.filters.permitted(n.account_id, n.from_account_id):
            return policies.ACCEPT
        sender = await self.posts.accounts.get(n.from_account_id)
        if sender is None:
            return policies.ACCEPT
        theirs = await self.graph.viewer_relations(n.from_account_id, [n.account_id])
        status = await self.posts.statuses.get(n.status_id) if n.type == MENTION and n.status_id else None
        facts = Sender(
            followed=n.from_account_id in relations.following,
            follower=n.account_id in theirs.following,
            created_at=sender.created_at,
            limited=sender.silenced,
            private_mention=status is not None and status.visibility == "direct",
        )
        return policies.verdict(policy, facts, dt.datetime.now(dt.UTC))

    # --- notification policy and requests -------------------------------------------------

    def _filters(self) -> NotificationFilterStore:
        if self.filters is None:
            raise NotFoundError("Record not found")
        return self.filters

    async def policy(self, account_id: int) -> tuple[NotificationPolicy, tuple[int, int]]:
        """The policy and its summary: (pending requests, pending notifications)."""
        filters = self._filters()
        return await filters.policy(account_id), await filters.pending(account_id)

    async def update_policy(self, account_id: int, values: dict[str, str]) -> None:
        try:
            policies.check_policy(values)
        except ValueError as exc:
            raise RuleViolation(str(exc)) from None
        filters = self._filters()
        current = await filters.policy(account_id)
        changes: dict[str, Any] = dict(values)  # only policy fields: check_policy said so
        await filters.save_policy(dataclasses.replace(current, **changes))

    async def requests(self, account_id: int, page: PageRequest) -> list[NotificationRequest]:
        return await self._filters().requests(account_id, page)

    async def request(self, account_id: int, request_id: int) -> NotificationRequest:
        found = await self._filters().request(account_id, request_id)
        if found is None:
            raise NotFoundError("Record not found")
        return found

    async def has_request(self, account_id: int, request_id: int) -> bool:
        return await self._filters().request(account_id, request_id) is not None

    async def accept_request(self, account_id: int, request_id: int) -> None:
        """Its notifications join the others (added first: accepting again finishes a broken try)."""
        filters = self._filters()
        await self.request(account_id, request_id)
        for n in await filters.held(account_id, request_id):
            await self.store.add(n)
        await filters.accept(account_id, request_id)

    async def dismiss_request(self, account_id: int, request_id: int) -> None:
        if not await self._filters().dismiss(account_id, request_id):
            raise NotFoundError("Record not found")

    async def recent(
        self,
        account_id: int,
        page: PageRequest,
        *,
        types: list[str] | None = None,
        exclude_types: list[str] | None = None,
        from_account_id: int | None = None,
        include_filtered: bool = False,
    ) -> tuple[list[Notification], int | None, int | None]:
        """Notifications newest first, and the cursors (next max_id, prev min_id); with
        ``include_filtered`` the ones held in requests too."""
        admitted = type_filter(types, exclude_types)
        window = page.widened(OVERFETCH)
        found = await self.store.recent(account_id, window, admitted, from_account_id)
        if include_filtered:
            found = await self._with_held(account_id, found, window, admitted, from_account_id)
        shown = trim(await self._shown(account_id, found), page)
        if not shown:
            return [], (found[-1].id if found and not page.ascending else None), None
        return shown, shown[-1].id, shown[0].id

    async def get(self, account_id: int, notification_id: int) -> Notification:
        """One notification, held in a request or not (Mastodon's filtered ones are notifications)."""
        found = await self._one(account_id, notification_id)
        if found is None or not await self._shown(account_id, [found]):
            raise NotFoundError("Record not found")
        return found

    async def _one(
        self, account_id: int, notification_id: int, *, include_filtered: bool = True
    ) -> Notification | None:
        found = await self.store.get(account_id, notification_id)
        if found is not None or not include_filtered or self.filters is None:
            return found
        just_it = PageRequest(max_id=notification_id + 1, since_id=notification_id - 1, limit=1)
        held = await self.filters.held_recent(account_id, just_it)
        return held[0] if held else None

    async def dismiss(self, account_id: int, notification_id: int) -> None:
        if not await self._forget(account_id, notification_id):
            raise NotFoundError("Record not found")

    async def _forget(self, account_id: int, notification_id: int) -> bool:
        """Dismiss it from the store and from its request, if held (a dismissed request's last
        notification takes the request with it, as in Mastodon); False when it was in neither."""
        removed = await self.store.dismiss(account_id, notification_id)
        released = self.filters is not None and await self.filters.release(account_id, notification_id)
        return removed or released

    async def clear(self, account_id: int) -> None:
        await self.store.clear(account_id)

    # --- grouped notifications (API v2) ------------------------------------------------------

    async def _walk(
        self,
        account_id: int,
        page: PageRequest,
        admitted: frozenset[str] | None = None,
        from_account_id: int | None = None,
        include_filtered: bool = False,
    ) -> AsyncIterator[Notification]:
        """The shown notifications in paging order: newest first, or oldest first from ``min_id``;
        with ``include_filtered`` the ones held in requests too."""
        cursor = dataclasses.replace(page, limit=WALK_BATCH)
        while True:
            found = await self.store.recent(account_id, cursor, admitted, from_account_id)
            if include_filtered:
                found = await self._with_held(account_id, found, cursor, admitted, from_account_id)
            for n in sorted(await self._shown(account_id, found), key=lambda n: n.id, reverse=not page.ascending):
                yield n
            if len(found) < WALK_BATCH:
                return
            if page.ascending:
                cursor = dataclasses.replace(cursor, min_id=max(n.id for n in found))
            else:
                cursor = dataclasses.replace(cursor, max_id=min(n.id for n in found))

    async def _with_held(
        self,
        account_id: int,
        found: list[Notification],
        page: PageRequest,
        admitted: frozenset[str] | None,
        from_account_id: int | None,
    ) -> list[Notification]:
        """``found`` (the store's page) with the notifications held in requests: the ``limit``
        nearest the page's cursor, newest first, each once (an accept cut short leaves both)."""
        if self.filters is None:
            return found
        held = await self.filters.held_recent(account_id, page, admitted, from_account_id)
        merged = {n.id: n for n in [*held, *found]}
        return select_page(list(merged.values()), page, key=lambda n: n.id)

    async def grouped(
        self,
        account_id: int,
        page: PageRequest,
        *,
        types: list[str] | None = None,
        exclude_types: list[str] | None = None,
        from_account_id: int | None = None,
        grouped_types: list[str] | None = None,
        include_filtered: bool = False,
    ) -> tuple[list[NotificationGroup], int | None, int | None]:
        """A page of groups, newest first, and its cursors (next max_id, prev min_id) as Mastodon
        pages them: the page holds ``limit`` groups, each from its first notification met in paging
        order; a group counts its notifications up to the page's newest."""
        admitted = type_filter(types, exclude_types)
        groupable = grouped_types_filter(grouped_types or [])
        firsts: dict[str, Notification] = {}
        async for n in self._walk(account_id, page, admitted, from_account_id, include_filtered):
            firsts.setdefault(str(group_key_of(n, groupable)), n)
            if len(firsts) == page.limit:
                break
        if not firsts:
            return [], None, None
        low, high = min(n.id for n in firsts.values()), max(n.id for n in firsts.values())
        groups = []
        for first in sorted(firsts.values(), key=lambda n: n.id, reverse=True):
            key = group_key_of(first, groupable)
            members = (
                [first]
                if key.notification_id is not None
                else await self._members(account_id, key, high, include_filtered=include_filtered)
            )
            page_min = min((n.id for n in members if n.id >= low), default=first.id)
            groups.append(_group(key, members, page_min_id=page_min))
        return groups, low, high

    async def _members(
        self, account_id: int, key: GroupKey, upper: int | None = None, *, include_filtered: bool = False
    ) -> list[Notification]:
        """The shown notifications of a group (up to ``upper``), newest first."""
        if key.notification_id is not None:
            found = await self._one(account_id, key.notification_id, include_filtered=include_filtered)
            return await self._shown(account_id, [found]) if found is not None else []
        start_ms, end_ms = key.window_ms
        top = id_at(end_ms) if upper is None else min(id_at(end_ms), upper + 1)
        window = PageRequest(max_id=top, since_id=id_at(start_ms) - 1)
        admitted = frozenset({key.type}) if key.type else None
        walk = self._walk(account_id, window, admitted, include_filtered=include_filtered)
        return [n async for n in walk if key.holds(n)]

    async def group(self, account_id: int, group_key: str) -> tuple[NotificationGroup, list[Notification]]:
        """One group (all of it, held notifications too, as Mastodon finds a group by its key among
        all of the account's) and its notifications newest first; NotFoundError when empty."""
        key = parse_group_key(group_key)
        members = await self._members(account_id, key, include_filtered=True) if key is not None else []
        if key is None or not members:
            raise NotFoundError("Record not found")
        return _group(key, members), members

    async def dismiss_group(self, account_id: int, group_key: str) -> None:
        _, members = await self.group(account_id, group_key)
        for n in members:
            await self._forget(account_id, n.id)

    async def unread_count(
        self,
        account_id: int,
        last_read_id: int | None,
        limit: int,
        *,
        types: list[str] | None = None,
        exclude_types: list[str] | None = None,
        from_account_id: int | None = None,
        grouped_types: list[str] | None = None,
        grouped: bool = False,
        include_filtered: bool = False,
    ) -> int:
        """Notifications (or, ``grouped``, groups) newer than the read marker, at most ``limit``;
        those held in requests count too with ``include_filtered``."""
        admitted = type_filter(types, exclude_types)
        groupable = grouped_types_filter(grouped_types or [])
        seen: set[str] = set()
        count = 0
        unread = PageRequest(since_id=last_read_id)
        async for n in self._walk(account_id, unread, admitted, from_account_id, include_filtered):
            key = str(group_key_of(n, groupable)) if grouped else str(n.id)
            if key not in seen:
                seen.add(key)
                count += 1
                if count >= limit:
                    break
        return count

    async def _shown(self, account_id: int, found: list[Notification]) -> list[Notification]:
        """Drop notifications from accounts now blocked or muted, and about statuses gone or hidden."""
        relations = await self.graph.viewer_relations(account_id, list({n.from_account_id for n in found}))
        kept = [n for n in found if _own_poll(n) or should_notify(account_id, n.from_account_id, relations)]
        status_ids = [n.status_id for n in kept if n.status_id is not None]
        visible = {s.id for s in await self.posts.get_many_visible(status_ids, account_id)}
        return [n for n in kept if n.status_id is None or n.status_id in visible]


def _own_poll(n: Notification) -> bool:
    return n.type == POLL and n.from_account_id == n.account_id


def _group(key: GroupKey, members: list[Notification], page_min_id: int | None = None) -> NotificationGroup:
    """A group of ``members`` (newest first); page ids only when paging through groups."""
    latest = members[0]
    sample = tuple(dict.fromkeys(n.from_account_id for n in members))[:SAMPLE_ACCOUNTS]
    return NotificationGroup(
        key=key,
        type=latest.type,
        latest=latest,
        count=len(members),
        sample_account_ids=sample,
        page_min_id=page_min_id,
        page_max_id=latest.id if page_min_id is not None else None,
    )
