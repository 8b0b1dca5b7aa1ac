"""Web Push subscriptions (one per access token) and delivery of notifications to them.

New notifications reach the push worker as ``NotificationCreated`` events on the notifications
stream; each subscription of the recipient that wants the type (alerts) from that sender (policy)
gets an encrypted Web Push message. A subscription the push service reports gone is deleted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from rookery.workloads.delegation import delegate
from rookery.workloads.domain import errors
from rookery.workloads.domain import push as rules
from rookery.workloads.domain.events import NOTIFICATIONS, Event
from rookery.workloads.domain.push import DeliveryFailed, PushGone, PushKeys, PushSubscription
from rookery.workloads.ids import new_id
from rookery.workloads.ports.accounts import AccountRepository
from rookery.workloads.ports.events import EventBus
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.notifications import NotificationStore, PushSender, PushSubscriptionStore
from rookery.workloads.ports.posts import StatusRepository

log = logging.getLogger("rookery.push")

NOTIFICATION_CREATED = "NotificationCreated"
ATTEMPTS = 3


class PushSubscriptionNotFound(errors.NotFound):
    """The token has no push subscription."""


class PushService:
    def __init__(
        self,
        store: PushSubscriptionStore,
        sender: PushSender,
        server_key: str,
        accounts: AccountRepository,
        *,
        graph: GraphStore | None = None,
        statuses: StatusRepository | None = None,
        allow_private_endpoints: bool = False,
        retry_backoff_s: float = 0.2,
    ) -> None:
        self.store = store
        self.sender = sender
        self.server_key = server_key
        self.accounts = accounts
        self.graph = graph
        self.statuses = statuses
        self.allow_private_endpoints = allow_private_endpoints
        self.retry_backoff_s = retry_backoff_s

    # --- subscriptions (the API) -----------------------------------------------------------------

    async def subscribe(
        self, account_id: int, token_id: str, subscription: Any, data: Any, policy: Any = None
    ) -> PushSubscription:
        """Create or replace the subscription of this access token."""
        if not isinstance(subscription, dict):
            raise rules.PushRejected("subscription[endpoint] and subscription[keys] are required")
        data = data if isinstance(data, dict) else {}
        keys = subscription.get("keys")
        keys = keys if isinstance(keys, dict) else {}
        created = PushSubscription(
            id=new_id(),
            token_id=token_id,
            account_id=account_id,
            endpoint=rules.check_endpoint(
                subscription.get("endpoint"), allow_private=self.allow_private_endpoints
            ),
            keys=PushKeys.parse(keys.get("p256dh"), keys.get("auth")),
            alerts=rules.parse_alerts(data.get("alerts")),
            policy=rules.parse_policy(data.get("policy", policy)),
            standard=rules.parse_standard(subscription.get("standard")),
        )
        await self.store.put(created)
        return created

    async def get(self, token_id: str) -> PushSubscription:
        found = await self.store.get(token_id)
        if found is None:
            raise PushSubscriptionNotFound
        return found

    async def update(self, token_id: str, data: Any, policy: Any = None) -> PushSubscription:
        current = await self.get(token_id)
        data = data if isinstance(data, dict) else {}
        updated = dataclasses.replace(
            current,
            alerts=rules.parse_alerts(data.get("alerts"), current.alerts),
            policy=rules.parse_policy(data.get("policy", policy), current.policy),
        )
        await self.store.put(updated)
        return updated

    async def unsubscribe(self, token_id: str) -> None:
        await self.store.delete(token_id)

    # --- delivery (the push worker) --------------------------------------------------------------

    async def handle_event(self, event: Event) -> None:
        if event.type == NOTIFICATION_CREATED:
            p = event.payload
            await self.deliver(
                int(p["notification_id"]),
                int(p["account_id"]),
                str(p["type"]),
                int(p["from_account_id"]),
                int(p["status_id"]) if p.get("status_id") is not None else None,
            )

    async def deliver(
        self, notification_id: int, recipient_id: int, kind: str, from_id: int, status_id: int | None
    ) -> int:
        """Push one notification to the recipient's subscriptions; returns how many were sent."""
        subscriptions = await self.store.for_account(recipient_id)
        if not subscriptions:
            return 0
        followed = follower = False
        if self.graph is not None and any(s.policy in ("followed", "follower") for s in subscriptions):
            followed = from_id in await self.graph.following_among(recipient_id, [from_id])
            follower = from_id in await self.graph.followers_among(recipient_id, [from_id])
        wanted = [s for s in subscriptions if s.wants(kind, from_followed=followed, from_follower=follower)]
        if not wanted:
            return 0
        payload = await self._payload(notification_id, kind, from_id, status_id)
        sent = 0
        for subscription in wanted:
            sent += await self._send(subscription, payload)
        return sent

    async def _payload(
        self, notification_id: int, kind: str, from_id: int, status_id: int | None
    ) -> dict[str, Any]:
        sender = await self.accounts.get(from_id)
        name = (sender.display_name or sender.username) if sender else "Someone"
        icon = sender.avatar if sender and sender.avatar and sender.avatar.startswith("http") else None
        body = ""
        if status_id is not None and self.statuses is not None:
            status = await self.statuses.get(status_id)
            if status is not None:
                body = status.spoiler_text or status.text
        return rules.notification_payload(
            notification_id=notification_id, notification_type=kind, from_name=name, icon=icon, body=body
        )

    async def _send(self, subscription: PushSubscription, payload: dict[str, Any]) -> int:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self.sender.send(subscription, payload)
                return 1
            except PushGone:
                log.info("push subscription %s is gone; deleting it", subscription.id)
                await self.store.delete_by_id(subscription.id)
                return 0
            except DeliveryFailed as exc:
                if attempt == ATTEMPTS:
                    log.warning("push to subscription %s failed %d times: %s", subscription.id, attempt, exc)
                    return 0
                await asyncio.sleep(self.retry_backoff_s * attempt)
        return 0


class PublishingNotificationStore:
    """NotificationStore decorator: a notification that was stored is announced on the
    notifications stream (``NotificationCreated``), which the push worker consumes."""

    def __init__(self, inner: NotificationStore, bus: EventBus, tenant: str) -> None:
        self._inner = inner
        self._bus = bus
        self._tenant = tenant

    def __getattr__(self, name: str) -> Any:
        return delegate(self, self._inner, name)

    async def add(self, notification: Any) -> bool:
        stored = await self._inner.add(notification)
        if stored:
            await self._bus.publish(
                NOTIFICATIONS,
                Event(
                    NOTIFICATION_CREATED,
                    key=str(notification.account_id),
                    tenant=self._tenant,
                    payload={
                        "notification_id": str(notification.id),
                        "account_id": str(notification.account_id),
                        "type": notification.type,
                        "from_account_id": str(notification.from_account_id),
                        "status_id": str(notification.status_id)
                        if notification.status_id is not None
                        else None,
                    },
                ),
            )
        return bool(stored)


def render(subscription: PushSubscription, server_key: str) -> dict[str, Any]:
    return rules.render(subscription, server_key)


__all__: Sequence[str] = ("NOTIFICATION_CREATED", "PublishingNotificationStore", "PushService", "render")
