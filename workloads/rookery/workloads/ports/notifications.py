"""Notifications role: in-app notifications, Web Push subscriptions and the delivery channels
(push, e-mail).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from rookery.workloads.domain.notification_policy import NotificationPolicy, NotificationRequest
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


class NotificationFilterStore(Protocol):
    """Notification policies, the senders a recipient accepted, and the filtered notifications
    held per sender in notification requests."""

    async def policy(self, account_id: int) -> NotificationPolicy:
        """The saved policy, else the default one."""
        ...

    async def save_policy(self, policy: NotificationPolicy) -> None: ...

    async def permitted(self, account_id: int, from_account_id: int) -> bool:
        """Whether the recipient accepted this sender's request before."""
        ...

    async def hold(self, notification: Notification) -> bool:
        """Keep a filtered notification under its sender's request (made on first use); False
        when the same (recipient, type, from, status) is held already."""
        ...

    async def held_recent(
        self,
        account_id: int,
        page: PageRequest,
        types: frozenset[str] | None = None,
        from_account_id: int | None = None,
    ) -> list[Notification]:
        """The held notifications of every request of the recipient, paged as NotificationStore.recent."""
        ...

    async def release(self, account_id: int, notification_id: int) -> bool:
        """Forget one held notification of the recipient (dismissed); its request goes with the
        last one it held. False when the recipient holds no such notification."""
        ...

    async def requests(self, account_id: int, page: PageRequest) -> list[NotificationRequest]:
        """Newest request first (by request id)."""
        ...

    async def request(self, account_id: int, request_id: int) -> NotificationRequest | None: ...

    async def held(self, account_id: int, request_id: int) -> list[Notification]:
        """The notifications a request holds, oldest first."""
        ...

    async def accept(self, account_id: int, request_id: int) -> bool:
        """Forget the request and what it held, and permit its sender from now on."""
        ...

    async def dismiss(self, account_id: int, request_id: int) -> bool:
        """Forget the request and what it held."""
        ...

    async def pending(self, account_id: int) -> tuple[int, int]:
        """(requests, notifications held) of the recipient."""
        ...


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
