"""The Realtime port in one process (``rookery up``): channels are in-memory sets of listeners.

Publishing never blocks: each listener has an unbounded inbox here, and the streaming hub above it
bounds what each socket may hold (the same as with Redis, whose client buffers for us).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence


class MemoryListener:
    def __init__(self, realtime: MemoryRealtime) -> None:
        self._realtime = realtime
        self._inbox: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue()
        self.channels: set[str] = set()

    def deliver(self, channel: str, message: bytes) -> None:
        self._inbox.put_nowait((channel, message))

    async def add(self, channels: Sequence[str]) -> None:
        for channel in channels:
            self.channels.add(channel)
            self._realtime._listeners.setdefault(channel, set()).add(self)

    async def remove(self, channels: Sequence[str]) -> None:
        for channel in channels:
            self.channels.discard(channel)
            listeners = self._realtime._listeners.get(channel)
            if listeners is not None:
                listeners.discard(self)
                if not listeners:
                    del self._realtime._listeners[channel]

    async def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        while True:
            item = await self._inbox.get()
            if item is None:
                return
            yield item

    async def close(self) -> None:
        await self.remove(list(self.channels))
        self._inbox.put_nowait(None)


class MemoryRealtime:
    def __init__(self) -> None:
        self._listeners: dict[str, set[MemoryListener]] = {}

    async def publish(self, channel: str, message: bytes) -> None:
        for listener in list(self._listeners.get(channel, ())):
            listener.deliver(channel, message)

    async def publish_many(self, channels: Sequence[str], message: bytes) -> None:
        for channel in channels:
            await self.publish(channel, message)

    def listen(self) -> MemoryListener:
        return MemoryListener(self)

    async def subscribe(self, channels: list[str]) -> AsyncIterator[tuple[str, bytes]]:
        listener = self.listen()
        await listener.add(channels)
        try:
            async for item in listener.messages():
                yield item
        finally:
            await listener.close()
