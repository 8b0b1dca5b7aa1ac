"""adapters/batched.py: concurrent reads share one trip, each sees what was written before it asked."""

from __future__ import annotations

import asyncio

import pytest

from rookery.workloads.adapters.batched import Batched


class Store:
    """A store whose reads answer each key's current value and record every trip."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.trips: list[list[str]] = []
        self.fail: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.arrived = asyncio.Event()

    async def send(self, keys: list[str]) -> list[int]:
        self.trips.append(list(keys))
        self.arrived.set()
        found = [self.values.get(key, 0) for key in keys]  # what the store held when the trip arrived
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return found


async def test_reads_asked_together_share_one_trip_and_get_their_own_replies() -> None:
    store = Store()
    store.values = {"a": 1, "b": 2, "c": 3}
    read = Batched(store.send)
    got = await asyncio.gather(read(["a", "b"]), read(["c"]), read(["b", "zz", "a"]))
    assert got == [[1, 2], [3], [2, 0, 1]]
    assert store.trips == [["a", "b", "c", "b", "zz", "a"]]
    assert await read([]) == [] and len(store.trips) == 1  # nothing asked, no trip


async def test_a_read_never_joins_a_trip_sent_before_it_asked() -> None:
    store = Store()
    store.gate = asyncio.Event()
    read = Batched(store.send)
    first = asyncio.create_task(read(["k"]))
    await store.arrived.wait()  # its trip arrives (and waits at the gate) with the old value
    store.values["k"] = 7  # a write that completes before the next caller asks
    second = asyncio.create_task(read(["k"]))
    await asyncio.sleep(0)
    store.gate.set()
    assert await first == [0]
    assert await second == [7]  # its own, later trip
    assert store.trips == [["k"], ["k"]]


async def test_a_failed_trip_fails_every_caller_and_the_next_batch_starts_fresh() -> None:
    store = Store()
    store.fail = ConnectionError("down")
    read = Batched(store.send)
    got = await asyncio.gather(read(["a"]), read(["b"]), return_exceptions=True)
    assert [type(g) for g in got] == [ConnectionError, ConnectionError]
    store.fail = None
    store.values["a"] = 5
    assert await read(["a"]) == [5]


async def test_a_cancelled_caller_leaves_the_trip_to_the_others() -> None:
    store = Store()
    store.gate = asyncio.Event()
    store.values = {"a": 1, "b": 2}
    read = Batched(store.send)
    leaving, staying = asyncio.create_task(read(["a"])), asyncio.create_task(read(["b"]))
    await asyncio.sleep(0)
    leaving.cancel()  # before the trip is sent
    store.gate.set()
    assert await staying == [2]
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_the_first_caller_cancelled_on_the_wire_leaves_the_answer_to_those_who_joined() -> None:
    store = Store()
    store.gate = asyncio.Event()
    store.values = {"a": 1, "b": 2}
    read = Batched(store.send)
    sender, joined = asyncio.create_task(read(["a"])), asyncio.create_task(read(["b"]))
    await store.arrived.wait()  # the trip is out, with both reads in it
    sender.cancel()
    store.gate.set()
    assert await joined == [2]
    with pytest.raises(asyncio.CancelledError):
        await sender
    assert store.trips[0] == ["a", "b"]


async def test_a_full_batch_closes_and_the_rest_go_in_the_next() -> None:
    store = Store()
    read = Batched(store.send, max_items=3)
    got = await asyncio.gather(read(["a", "b"]), read(["c"]), read(["d", "e"]))
    assert got == [[0, 0], [0], [0, 0]]
    assert store.trips == [["a", "b", "c"], ["d", "e"]]


async def test_a_reply_count_that_does_not_match_is_an_error_not_a_wrong_answer() -> None:
    async def short(keys: list[str]) -> list[int]:
        return [1]

    read = Batched(short)
    with pytest.raises(RuntimeError, match="1 replies to 2 reads"):
        await asyncio.gather(read(["a"]), read(["b"]))
