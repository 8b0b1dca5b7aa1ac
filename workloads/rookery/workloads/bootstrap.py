"""The composition root: the only place that picks adapters (embedded or production) from Settings.

``build(settings, roles)`` returns a Container holding the ports and the use-case services of the
requested roles; ``Container.start()`` connects stores, applies embedded migrations and starts the
background workers (outbox relay, event consumers); ``Container.close()`` stops them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from rookery.workloads.settings import Settings

ALL_ROLES = (
    "gateway",
    "accounts",
    "posts",
    "graph",
    "feed",
    "messaging",
    "notifications",
    "search",
    "media",
    "admin",
    "analytics",
)


@dataclasses.dataclass
class Container:
    settings: Settings
    roles: tuple[str, ...]
    # ports (see ports.py); filled by build()
    ports: dict[str, Any] = dataclasses.field(default_factory=dict)
    # use-case services by name ("accounts", "oauth", "posts", "graph", "feed", "notifications", ...)
    services: dict[str, Any] = dataclasses.field(default_factory=dict)
    # awaited in order by start() / in reverse by close()
    starters: list[Callable[[], Awaitable[None]]] = dataclasses.field(default_factory=list)
    stoppers: list[Callable[[], Awaitable[None]]] = dataclasses.field(default_factory=list)

    async def start(self) -> None:
        for starter in self.starters:
            await starter()

    async def close(self) -> None:
        for stopper in reversed(self.stoppers):
            await stopper()


def build(settings: Settings, roles: tuple[str, ...] = ALL_ROLES) -> Container:
    container = Container(settings=settings, roles=roles)
    # each role section below adds its ports, services, starters and stoppers
    return container
