"""Poll closer (posts role): every ``ROOKERY_POLL_CLOSE_INTERVAL_S`` it closes the polls that have
expired. Each poll is closed once even with several replicas (the store claims it in a transaction
with its ``PollExpired`` event in the outbox); the notify consumer then tells voters and author."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from rookery.workloads.services.polls import PollsService

log = logging.getLogger("rookery.polls")


class PollCloser:
    def __init__(self, polls: PollsService, *, interval_s: float) -> None:
        self.polls = polls
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            try:
                closed = await self.polls.close_expired()
                if closed:
                    log.info("closed %d expired polls", len(closed))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("closing expired polls failed; trying again later")
            await asyncio.sleep(self.interval_s)

    async def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="poll-closer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
