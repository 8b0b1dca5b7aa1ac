"""Container.close() bounds each shutdown step: a stuck step is skipped, the others still run."""

from __future__ import annotations

import asyncio

import pytest

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


async def test_a_step_that_swallows_its_cancel_does_not_hang_shutdown() -> None:
    # asyncio.wait_for would wait for such a step forever (seen as a 300 s test teardown)
    container = Container(settings=Settings(shutdown_step_timeout_s=0.1), roles=())
    ran: list[str] = []

    async def deaf() -> None:  # swallows the first cancel (the loop's own at the end stops it)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(3600)

    async def first() -> None:
        ran.append("first")

    container.stoppers.extend([first, deaf])
    await asyncio.wait_for(container.close(), 5)
    assert ran == ["first"]


async def test_a_failing_step_is_logged_and_the_rest_still_run(caplog: pytest.LogCaptureFixture) -> None:
    container = Container(settings=Settings(), roles=())
    ran: list[str] = []

    async def first() -> None:
        ran.append("first")

    async def broken() -> None:
        raise RuntimeError("store already gone")

    container.stoppers.extend([first, broken])
    await container.close()
    assert ran == ["first"]
    assert "store already gone" in caplog.text
