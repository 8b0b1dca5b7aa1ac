"""A background step run every ``interval_s`` in one task per process (0 = never): the posts role's
poll closer (workers/polls.py) and scheduled-status publisher (ROOKERY_SCHEDULED_STATUS_INTERVAL_S)
run on it. A failing step is logged and tried again at the next tick; stop() cancels the task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sized

log = logging.getLogger("rookery.periodic")


class Periodic:
    def __init__(self, name: str, step: Callable[[], Awaitable[Sized]], *, interval_s: float) -> None:
        self.name = name  # the task, and what the log says was done: "scheduled-publisher: 3"
        self.step = step
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            try:
                done = await self.step()
                if len(done):
                    log.info("%s: %d", self.name, len(done))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; trying again later", self.name)
            await asyncio.sleep(self.interval_s)

    async def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
