"""Processed-event dedupe for at-least-once consumers: a ``SET NX EX`` mark per (group, event id).

Kafka redelivers whatever was consumed after the last committed offset, so a consumer that
restarts sees some events twice. ``idempotent(group, handler)`` skips events whose mark exists,
runs the handler, then marks. Between the handler's effect and the mark a crash would still
repeat the effect; a handler whose effect lives in Redis closes that gap by queueing
``mark(..., pipe=its MULTI pipeline)`` so effect and mark commit together.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.domain.events import Event
from rookery.workloads.ports.events import EventHandler

DEFAULT_TTL_S = 7 * 24 * 3600  # longer than any redelivery window (topic retention)


class ProcessedEvents:
    def __init__(self, client: aioredis.Redis, tenant: str, ttl_s: int = DEFAULT_TTL_S) -> None:
        self._redis = client
        self._keys = Keys(tenant)
        self.ttl_s = ttl_s

    def key(self, group: str, event_id: str) -> str:
        return self._keys("seen", f"{group}:{event_id}")

    async def seen(self, group: str, event_id: str) -> bool:
        with guard():
            return bool(await self._redis.exists(self.key(group, event_id)))

    async def mark(self, group: str, event_id: str, pipe: Pipeline | None = None) -> bool:
        """Record the event as processed; False if it already was. With ``pipe`` the SET is only
        queued (its result comes back from the caller's ``execute()``)."""
        if pipe is not None:
            pipe.set(self.key(group, event_id), b"1", nx=True, ex=self.ttl_s)
            return True
        with guard():
            return bool(await self._redis.set(self.key(group, event_id), b"1", nx=True, ex=self.ttl_s))

    def idempotent(self, group: str, handler: EventHandler) -> EventHandler:
        async def once(event: Event) -> None:
            if await self.seen(group, event.id):
                return
            await handler(event)
            await self.mark(group, event.id)

        return once
