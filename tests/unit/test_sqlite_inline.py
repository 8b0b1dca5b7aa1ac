"""InlineReader.fetchall_within: a read on the event loop that gives up past a budget of SQLite
virtual-machine instructions (the caller then reads on the writer's thread), and leaves its
connection as it found it."""

from __future__ import annotations

import pathlib

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
