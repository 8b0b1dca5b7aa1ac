"""Push worker: delivers ``NotificationCreated`` events (notifications stream) to Web Push
subscriptions. Consumer group ``push``; a redelivered event may push twice (push is best effort)."""

from __future__ import annotations

from rookery.workloads.catalogue import PUSH_GROUP
from rookery.workloads.domain.events import NOTIFICATIONS
from rookery.workloads.ports.events import EventBus
from rookery.workloads.services.push import PushService

GROUP = PUSH_GROUP.name


def register(bus: EventBus, push: PushService) -> None:
    bus.subscribe(NOTIFICATIONS, GROUP, push.handle_event)
