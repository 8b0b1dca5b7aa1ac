"""Database.transaction() under cancellation: a task cancelled while BEGIN, the body or COMMIT is in
flight on the connection's thread must not leave the shared connection inside a transaction (the
next writer would fail with "cannot start a transaction within a transaction")."""

from __future__ import annotations

import asyncio
import pathlib

from rookery.workloads.adapters.sqlite.db import Database, Migration

SCHEMA = Migration("test", 1, ("CREATE TABLE t (n INTEGER)",))


async def test_cancelled_writers_leave_no_open_transaction(tmp_path: pathlib.Path) -> None:
    db = Database(tmp_path / "t.db")
    await db.connect()
    await db.migrate([SCHEMA])

    async def writer(n: int) -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t (n) VALUES (?)", (n,))

    for delay in (0, 0, 0.0001, 0.0005, 0.001, 0.002):
        for _ in range(20):
            task = asyncio.create_task(writer(1))
            await asyncio.sleep(delay)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await writer(2)  # fails if a cancelled writer left its transaction open
    rows = await db.fetchall("SELECT n FROM t WHERE n = 2")
    assert len(rows) == 120
    await db.close()
