"""InlineReader: reads on the event loop over a read-only connection. Those of one batch of the
loop's callbacks share a read transaction, and a read resumed after an awaited commit sees it.
``fetchall_within`` gives up past a budget of SQLite virtual-machine instructions (the caller then
reads on the writer's thread) and leaves its connection as it found it."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3

import pytest

from rookery.workloads.adapters.sqlite.db import Database, Migration
from rookery.workloads.adapters.sqlite.inline import InlineReader

SCHEMA = Migration("test", 1, ("CREATE TABLE t (n INTEGER PRIMARY KEY, hidden INTEGER)",))


async def reader_over(tmp_path: pathlib.Path) -> tuple[Database, InlineReader]:
    db = Database(tmp_path / "t.db")
    await db.connect()
    await db.migrate([SCHEMA])
    async with db.transaction() as tx:
        await tx.executemany("INSERT INTO t (n, hidden) VALUES (?, ?)", [(n, int(n > 5)) for n in range(5000)])
    return db, InlineReader(db)


async def test_a_short_scan_is_read_and_a_long_one_gives_up(tmp_path: pathlib.Path) -> None:
    db, reader = await reader_over(tmp_path)
    newest_first = "SELECT n FROM t WHERE hidden = 0 ORDER BY n DESC LIMIT 3"  # scans ~5,000 rows
    oldest_first = "SELECT n FROM t WHERE hidden = 0 ORDER BY n LIMIT 3"  # found in the first rows
    assert [row[0] for row in reader.fetchall_within(oldest_first, (), 5_000) or []] == [0, 1, 2]
    assert reader.fetchall_within(newest_first, (), 5_000) is None
    assert [row[0] for row in reader.fetchall_within(newest_first, (), 10_000_000) or []] == [5, 4, 3]
    assert [row[0] for row in await db.fetchall(newest_first)] == [5, 4, 3]  # where the caller goes
    # the budget is gone with the read: a plain read on the same connection runs to the end
    assert len(reader.fetchall("SELECT n FROM t WHERE hidden = 1")) == 4994
    reader.close()
    await db.close()


async def test_other_errors_are_raised(tmp_path: pathlib.Path) -> None:
    db, reader = await reader_over(tmp_path)
    with pytest.raises(Exception, match="no such column"):
        reader.fetchall_within("SELECT missing FROM t", (), 5_000)
    with pytest.raises(Exception, match="readonly"):  # the inline connection never writes
        reader.fetchall_within("DELETE FROM t", (), 5_000)
    reader.close()
    await db.close()


def _count(reader: InlineReader) -> int:
    return int(reader.fetchall("SELECT COUNT(*) FROM t")[0][0])


async def test_reads_of_one_batch_share_a_snapshot_and_later_ones_see_every_awaited_commit(
    tmp_path: pathlib.Path,
) -> None:
    db, _ = await reader_over(tmp_path)
    reader = db.inline
    assert db.inline is reader  # one reader per database: every store's inline reads share it
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    before = _count(reader)
    other.execute("INSERT INTO t (n, hidden) VALUES (-1, 0)")  # committed meanwhile, same batch
    assert _count(reader) == before  # the batch's snapshot
    await asyncio.sleep(0)  # the end of the batch ran: a new snapshot
    assert _count(reader) == before + 1

    async def reading(stop: asyncio.Event) -> None:  # keeps a snapshot open in every batch
        while not stop.is_set():
            _count(reader)
            await asyncio.sleep(0)

    stop = asyncio.Event()
    readers = [asyncio.create_task(reading(stop)) for _ in range(3)]
    for n in range(200):
        _count(reader)
        await db.execute("INSERT INTO t (n, hidden) VALUES (?, 0)", (10_000 + n,))
        assert _count(reader) == before + 2 + n  # a read after an awaited write sees it
    stop.set()
    await asyncio.gather(*readers)
    other.close()
    await db.close()


async def test_data_version_is_the_batchs_and_moves_with_a_commit_seen_by_the_next(tmp_path: pathlib.Path) -> None:
    """Asked once per batch (kept): it is the snapshot's, so a commit meanwhile moves it for the
    next batch only, together with what the reads see; without a loop every call asks again."""
    db, reader = await reader_over(tmp_path)
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    version, before = reader.data_version(), _count(reader)
    other.execute("INSERT INTO t (n, hidden) VALUES (-1, 0)")
    assert (reader.data_version(), _count(reader)) == (version, before)  # this batch's snapshot
    await asyncio.sleep(0)
    moved = reader.data_version()
    assert moved != version and _count(reader) == before + 1
    await db.execute("INSERT INTO t (n, hidden) VALUES (-2, 0)")  # the writer's commit, awaited
    assert reader.data_version() not in (version, moved) and _count(reader) == before + 2
    other.close()
    reader.close()
    await db.close()

    def unlooped() -> None:
        plain = InlineReader(db)
        again = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
        first = plain.data_version()
        again.execute("INSERT INTO t (n, hidden) VALUES (-3, 0)")
        assert plain.data_version() != first
        again.close()
        plain.close()

    await asyncio.to_thread(unlooped)


def test_without_a_running_loop_each_read_is_its_own(tmp_path: pathlib.Path) -> None:
    async def opened() -> tuple[Database, InlineReader]:
        db, reader = await reader_over(tmp_path)
        # a read in the loop's last batch: its snapshot is left open, its end never runs
        asyncio.get_running_loop().call_soon(_count, reader)
        return db, reader

    loop = asyncio.new_event_loop()
    db, reader = loop.run_until_complete(opened())
    loop.close()
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    before = _count(reader)
    other.execute("INSERT INTO t (n, hidden) VALUES (-1, 0)")
    assert _count(reader) == before + 1
    other.close()
    reader.close()

    async def again() -> None:  # a later loop: a fresh snapshot
        assert _count(db.inline) == before + 1
        await db.close()

    asyncio.run(again())
