"""Notifications role: in-app notifications, Web Push subscriptions and the delivery channels
(push, e-mail).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.push import PushSubscription


class NotificationStore(Protocol):
    async def add(self, notification: Notification) -> bool:
        """Store unless the same (recipient, type, from, status) exists; True when stored."""
        ...

    async def recent(
        self,
        account_id: int,
        page: PageRequest,
        types: frozenset[str] | None = None,
        from_account_id: int | None = None,
    ) -> list[Notification]: ...

    async def get(self, account_id: int, notification_id: int) -> Notification | None: ...

    async def dismiss(self, account_id: int, notification_id: int) -> bool: ...

    async def clear(self, account_id: int) -> None: ...

    async def remove_for_statuses(self, status_ids: Sequence[int]) -> None: ...


class PushSubscriptionStore(Protocol):
    async def put(self, subscription: PushSubscription) -> None:
        """Create or replace the subscription of ``subscription.token_id``."""
        ...

    async def get(self, token_id: str) -> PushSubscription | None: ...

    async def delete(self, token_id: str) -> bool: ...

    async def delete_by_id(self, subscription_id: int) -> None: ...

    async def for_account(self, account_id: int) -> list[PushSubscription]: ...


class PushSender(Protocol):
    """A delivery channel (Web Push, APNs, FCM). ``send`` raises ``domain.push.PushGone`` when the
    subscription is gone for good and ``domain.push.DeliveryFailed`` for a failure worth retrying."""

    async def send(self, subscription: PushSubscription, payload: dict[str, Any]) -> None: ...


class EmailSender(Protocol):
    async def send(self, to: str, subject: str, text: str) -> None: ...
