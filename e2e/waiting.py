"""Polling until something holds: the one `eventually` for tests/, e2e/ and bench/.

`eventually` polls a plain callable from synchronous code; `eventually_async` awaits between polls
and takes a probe that returns a value or an awaitable. Both return the first value that passes
(truthy, or accepted by ``until``) and otherwise raise AssertionError once ``timeout_s`` is spent.
The failure message is ``message`` formatted with ``what`` (the probe when empty), ``timeout_s``
and ``last`` (the last value seen), or what a callable ``message`` makes of that last value.

It lives in e2e/ (a package) so that tests/ modules, which import as plain modules, reach it as
``from e2e.waiting import eventually``; it imports nothing from pytest or the stack.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, Required, TypedDict, TypeVar, Unpack

T = TypeVar("T")

DID_NOT_HAPPEN = "{what} did not happen within {timeout_s:.0f}s"

Message = str | Callable[[Any], str]


class Polling(TypedDict, total=False):
    """How to poll: the keywords both variants take."""

    timeout_s: Required[float]
    interval_s: Required[float]
    message: Message
    until: Callable[[Any], bool] | None


class _Deadline:
    """The bookkeeping both variants share: does a value pass, and is the time up."""

    def __init__(
        self,
        probe: object,
        what: str,
        *,
        timeout_s: float,
        interval_s: float,
        message: Message = DID_NOT_HAPPEN,
        until: Callable[[Any], bool] | None = None,
    ) -> None:
        self.probe, self.what, self.message, self.until = probe, what, message, until
        self.timeout_s, self.interval_s = timeout_s, interval_s
        self.end = time.monotonic() + timeout_s

    def met(self, last: object) -> bool:
        """True when ``last`` passes; raises AssertionError when it does not and the time is up."""
        if bool(self.until(last) if self.until is not None else last):
            return True
        if time.monotonic() <= self.end:
            return False
        if callable(self.message):
            raise AssertionError(self.message(last))
        what = self.what or self.probe
        raise AssertionError(self.message.format(what=what, timeout_s=self.timeout_s, last=last))


def eventually(probe: Callable[[], T], what: str = "", **polling: Unpack[Polling]) -> T:
    """Poll ``probe`` every ``interval_s`` until its value passes; fail after ``timeout_s``."""
    deadline = _Deadline(probe, what, **polling)
    while True:
        if deadline.met(last := probe()):
            return last
        time.sleep(deadline.interval_s)


async def eventually_async(
    probe: Callable[[], T | Awaitable[T]], what: str = "", **polling: Unpack[Polling]
) -> T:
    """`eventually` for async code: the probe may return an awaitable; sleeps without blocking."""
    deadline = _Deadline(probe, what, **polling)
    while True:
        if deadline.met(last := await _resolved(probe())):
            return last
        await asyncio.sleep(deadline.interval_s)


async def _resolved(value: T | Awaitable[T]) -> T:
    return await value if inspect.isawaitable(value) else value
