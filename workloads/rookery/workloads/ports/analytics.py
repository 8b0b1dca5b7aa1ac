"""Analytics role: trend buckets, daily counters, per-account behaviour. In-process (SQLite) embedded;
Redis (sorted sets per hourly bucket, HyperLogLogs, capped lists) in production.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Protocol

from rookery.workloads.domain.analytics import Tally


class TrendStore(Protocol):
    async def record(self, tally: Tally) -> int | None:
        """Apply one event's tally at once (counters, active account, trends when its claim is
        new, behaviour, log); None when ``tally.event_id`` was recorded before, else the
        account's event total."""
        ...

    async def first_time(self, event_id: str) -> bool:
        """False when this analytics event was counted already (redelivery)."""
        ...

    async def add(self, kind: str, key: str, bucket: int, amount: float) -> None:
        """Count ``amount`` for ``key`` ("tag" name, "status" id) in an hourly bucket."""
        ...

    async def top(
        self, kind: str, weights: Sequence[tuple[int, float]], limit: int
    ) -> list[tuple[str, float]]:
        """Keys by decayed score over the weighted buckets, highest first (scores > 0 only)."""
        ...

    async def count(self, name: str, day: datetime.date, amount: int = 1) -> None: ...

    async def counts(self, name: str, days: Sequence[datetime.date]) -> list[int]: ...

    async def mark_active(self, day: datetime.date, account_id: int) -> None: ...

    async def active(self, days: Sequence[datetime.date]) -> int:
        """Distinct accounts active on any of ``days`` (approximate in production: HyperLogLog)."""
        ...

    async def append_behaviour(self, account_id: int, event: dict[str, Any], keep: int) -> int:
        """Append to the account's recent interaction events (the newest ``keep`` are kept);
        returns how many events the account has had in all."""
        ...

    async def behaviour(self, account_id: int) -> list[dict[str, Any]]:
        """The account's recent interaction events, oldest first."""
        ...

    async def log(self, event: dict[str, Any]) -> None:
        """Append to the interaction log (the training export; bounded retention)."""
        ...

    async def read_log(self, after: str | None, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """(cursor, event) in log order after ``after`` (None: from the start)."""
        ...

    async def close(self) -> None: ...
