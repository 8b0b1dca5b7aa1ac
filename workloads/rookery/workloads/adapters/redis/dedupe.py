"""Processed-event dedupe for at-least-once consumers: a ``SET NX EX`` mark per (group, event id).

Kafka redelivers whatever was consumed after the last committed offset, so a consumer that
restarts sees some events twice. The Kafka bus checks a fetched batch's event ids with
``seen_many`` (one pipeline), runs the handlers of those not seen, and marks those whose handler
succeeded with ``mark_many`` (one pipeline) before it commits the batch's offsets.
``idempotent(group, handler)`` does the same for one event at a time (check, handler, mark).
Between the handler's effect and the mark a crash would still repeat the effect; a handler whose
effect lives in Redis closes that gap by queueing ``mark(..., pipe=its MULTI pipeline)`` so effect
and mark commit together.
"""

from __future__ import annotations

from collections.abc import Sequence

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

    async def seen_many(self, group: str, event_ids: Sequence[str]) -> set[str]:
        """Which of these event ids the group has processed: one round trip (a pipeline; in Redis
        Cluster the keys spread over the slots, and the pipeline asks each node concerned once)."""
        if not event_ids:
            return set()
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for event_id in event_ids:
                    pipe.exists(self.key(group, event_id))
                found = await pipe.execute()
        return {event_id for event_id, exists in zip(event_ids, found, strict=True) if exists}

    async def mark_many(self, group: str, event_ids: Sequence[str]) -> None:
        """Record these events as processed by the group: one round trip."""
        if not event_ids:
            return
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for event_id in event_ids:
                    pipe.set(self.key(group, event_id), b"1", nx=True, ex=self.ttl_s)
                await pipe.execute()

    def idempotent(self, group: str, handler: EventHandler) -> EventHandler:
        async def once(event: Event) -> None:
            if await self.seen(group, event.id):
                return
            await handler(event)
            await self.mark(group, event.id)

        return once
