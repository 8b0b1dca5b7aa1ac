"""Container.close() bounds each shutdown step: a stuck step is skipped, the others still run."""

from __future__ import annotations

import asyncio

from rookery.workloads.bootstrap import Container
from rookery.workloads.settings import Settings


async def test_a_stuck_step_does_not_block_the_rest() -> None:
    container = Container(settings=Settings(shutdown_step_timeout_s=0.1), roles=())
    ran: list[str] = []
    cancelled = asyncio.Event()

    async def first() -> None:  # registered first, so stopped last
        ran.append("first")

    async def stuck() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def last() -> None:
        ran.append("last")

    container.stoppers.extend([first, stuck, last])
    await container.close()
    assert ran == ["last", "first"]
    assert cancelled.is_set()


async def test_steps_that_finish_run_in_reverse_order() -> None:
    container = Container(settings=Settings(), roles=())
    ran: list[int] = []
    for n in range(3):

        async def step(n: int = n) -> None:
            ran.append(n)

        container.stoppers.append(step)
    await container.close()
    assert ran == [2, 1, 0]
