"""In-process LockManager: named leases with expiry, owner tokens and fencing numbers."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time

from rookery.workloads.domain.edge import Lock


class MemoryLockManager:
    def __init__(self) -> None:
        self._held: dict[str, tuple[str, float]] = {}  # name -> (token, expires at)
        self._fencing: dict[str, int] = {}
        self._released = asyncio.Condition()

    def _try(self, name: str, ttl_ms: int) -> Lock | None:
        now = time.monotonic()
        holder = self._held.get(name)
        if holder is not None and holder[1] > now:
            return None
        token = secrets.token_hex(16)
        self._held[name] = (token, now + ttl_ms / 1000)
        fencing = self._fencing.get(name, 0) + 1
        self._fencing[name] = fencing
        return Lock(name=name, token=token, fencing=fencing)

    async def acquire(self, name: str, ttl_ms: int, wait_ms: int = 0) -> Lock | None:
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            lock = self._try(name, ttl_ms)
            if lock is not None or time.monotonic() >= deadline:
                return lock
            holder = self._held.get(name)
            # wake on release, or when the current lease would expire, whichever comes first
            timeout = min(deadline, holder[1] if holder else deadline) - time.monotonic()
            async with self._released:
                with contextlib.suppress(TimeoutError):  # asyncio.timeout: see SqliteOutbox.wait
                    async with asyncio.timeout(max(timeout, 0.001)):
                        await self._released.wait()

    async def release(self, lock: Lock) -> bool:
        holder = self._held.get(lock.name)
        if holder is None or holder[0] != lock.token:
            return False
        del self._held[lock.name]
        async with self._released:
            self._released.notify_all()
        return True
