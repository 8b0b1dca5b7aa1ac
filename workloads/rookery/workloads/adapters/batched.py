"""Reads that concurrent requests ask for in the same turn of the event loop, sent as one round trip.

Under load a server process holds dozens of requests at once, and each of them reads the same
stores at the same stages (a home page: its cached entities, the viewer's relations, a snapshot
id). ``Batched(send)`` lets them share the trip: ``await batched(items)`` adds ``items`` to the
open batch and answers with their replies once that batch has been sent. The first caller of a
batch starts the task that sends it; the batch closes when that task runs, after everything that
was ready to run in this turn of the loop, so every caller that asks meanwhile rides along.

Why a task sends it, not the first caller: every caller then wakes from the same future in the
same turn of the loop, so requests that shared one stage's trip reach the next stage together and
share that trip too. With the first caller sending (after one yield to let others join), it ran
ahead into the next stage alone and the cohort split into ever smaller batches: production's home
timeline served 1,110 req/s that way against 1,780 with a task (full bench graph, one run each).

Soundness: a batch is sent after each of its callers asked, never before, so a read that joins
one still sees every write that completed before its caller asked, as its own round trip would.
One caller alone pays one hop through the loop, and nothing more. A failure of the trip is each
caller's failure; a caller that is cancelled leaves the batch to the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Batch(Generic[T, R]):
    __slots__ = ("done", "items")

    def __init__(self, done: asyncio.Future[list[R]]) -> None:
        self.items: list[T] = []
        self.done = done


class Batched(Generic[T, R]):
    """``send(items)`` answers one reply per item, in order; ``max_items`` bounds one trip."""

    def __init__(self, send: Callable[[list[T]], Awaitable[Sequence[R]]], max_items: int = 4096) -> None:
        self.send = send
        self.max_items = max_items
        self._open: _Batch[T, R] | None = None
        self._sending: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak references)

    async def __call__(self, items: Sequence[T]) -> list[R]:
        if not items:
            return []
        batch = self._open
        if batch is None or len(batch.items) + len(items) > self.max_items:
            loop = asyncio.get_running_loop()
            batch = self._open = _Batch(loop.create_future())
            batch.done.add_done_callback(_retrieved)
            task = loop.create_task(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        start = len(batch.items)
        batch.items.extend(items)
        replies = await asyncio.shield(batch.done)
        return replies[start : start + len(items)]

    async def _send(self, batch: _Batch[T, R]) -> None:
        if self._open is batch:
            self._open = None  # callers from here on start the next batch
        try:
            replies = list(await self.send(batch.items))
        except asyncio.CancelledError:
            batch.done.cancel()
            raise
        except Exception as exc:  # every caller's failure, as its own trip's would be
            batch.done.set_exception(exc)
            return
        if len(replies) != len(batch.items):
            batch.done.set_exception(RuntimeError(f"{len(replies)} replies to {len(batch.items)} reads"))
            return
        batch.done.set_result(replies)


def _retrieved(done: asyncio.Future[Any]) -> None:
    """A failed batch whose callers were all cancelled logs nothing ("exception never retrieved")."""
    if not done.cancelled():
        done.exception()
