"""The shared polling helper (e2e/waiting.py) every test and e2e module waits with."""

from __future__ import annotations

import itertools

import pytest

from e2e.waiting import eventually, eventually_async


def test_returns_the_first_truthy_value() -> None:
    counter = itertools.count()
    assert eventually(lambda: next(counter) >= 3 and "ready", timeout_s=5, interval_s=0.001) == "ready"


def test_fails_naming_what_never_happened() -> None:
    with pytest.raises(AssertionError, match=r"^the server did not happen within 0s$"):
        eventually(lambda: None, "the server", timeout_s=0.01, interval_s=0.001)


def test_a_message_is_formatted_with_what_the_timeout_and_the_last_value() -> None:
    with pytest.raises(AssertionError, match=r"^waited 0.01s for x; last 0$"):
        message = "waited {timeout_s}s for {what}; last {last}"
        eventually(lambda: 0, "x", timeout_s=0.01, interval_s=0.001, message=message)
    with pytest.raises(AssertionError, match=r"^got 5$"):
        eventually(lambda: 5, until=lambda v: v > 5, timeout_s=0.01, interval_s=0.001, message=lambda v: f"got {v}")


async def test_the_async_variant_awaits_async_probes_and_takes_sync_ones() -> None:
    counter = itertools.count()

    async def probe() -> int:
        return next(counter)

    assert await eventually_async(probe, until=lambda v: v == 2, timeout_s=5, interval_s=0.001) == 2
    assert await eventually_async(lambda: "now", timeout_s=5, interval_s=0.001) == "now"
    with pytest.raises(AssertionError, match="condition not met in time"):
        await eventually_async(lambda: False, timeout_s=0.01, interval_s=0.001, message="condition not met in time")
