"""Small indexed reads run inline on the event loop, over a second, read-only connection.

The shared aiosqlite connection runs every statement on its worker thread; for the hot reads (a
timeline page, the viewer's relations, the viewer's flags) the hand-off between threads costs more
than the query itself (tens of microseconds, pages in SQLite's cache). WAL lets this reader see
every committed write without waiting on the writer. Use it only for bounded, indexed queries.

One reader per database (``Database.inline``), and one read transaction per batch of the event
loop's callbacks: a statement run on its own begins and ends a WAL read transaction, and each of
those takes and drops a lock on the shared-memory index with ``fcntl`` (sharing them gained 3-5%
on `rookery up`'s hot reads, bench/results/embedded-reads.md). The first inline read of a batch
begins one and schedules its end (``call_soon``), so the reads of every request that runs in the
meantime share it. That is as current as a statement of its own: the ready queue runs in order, so whatever runs
before the end was made ready before the snapshot began, and whatever it had awaited (a commit on
the writer's thread) had finished by then; anything resumed later reads a new snapshot. Without a
running loop (tools, tests) each statement is its own transaction, as before. One loop reads a
database (the process's): the open snapshot is kept while the loop that began it is running.
"""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rookery.workloads.adapters.sqlite.db import Database

PROGRESS_EVERY = 1000  # SQLite virtual-machine instructions between two checks of a read's budget


class InlineReader:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: sqlite3.Connection | None = None
        self._snapshot_loop: asyncio.AbstractEventLoop | None = None  # whose batch the open read is
        self._version: int | None = None  # the open read's data_version, once asked

    def _connection(self) -> sqlite3.Connection:
        conn = self._conn if self._conn is not None else self._open()
        held = self._snapshot_loop
        if held is not None and held.is_running():  # this batch's snapshot (one loop reads a database)
            return conn
        self.end_snapshot()  # none, or one left by a loop that stopped before its end ran
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return conn  # no loop: each statement its own read transaction
        conn.execute("BEGIN")  # deferred: the snapshot is taken by the first read
        self._snapshot_loop = loop
        loop.call_soon(self.end_snapshot)
        return conn

    def _open(self) -> sqlite3.Connection:
        uri = pathlib.Path(self.db.path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA cache_size=-16384")
        self._conn = conn
        return conn

    def end_snapshot(self) -> None:
        """End the open read transaction, if any (the next read begins a new one). Ending early is
        always safe: a stale end scheduled on a loop that stopped only makes a later read fresher."""
        self._snapshot_loop = None
        self._version = None
        if self._conn is not None and self._conn.in_transaction:  # an interrupted read may have ended it
            self._conn.execute("COMMIT")

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._connection().execute(sql, params).fetchall()

    def fetchall_within(self, sql: str, params: Sequence[Any], max_steps: int) -> list[sqlite3.Row] | None:
        """The rows, or None when the query ran past about ``max_steps`` of SQLite's virtual-machine
        instructions and was interrupted: for a page whose scan is usually short but has no bound
        (an account's statuses that the viewer may not see, a rare tag), so that the long case goes
        to the writer's thread (``Database.fetchall``) instead of holding the event loop."""
        conn = self._connection()
        left = max_steps // PROGRESS_EVERY

        def spend() -> bool:
            nonlocal left
            left -= 1
            return left < 0

        conn.set_progress_handler(spend, PROGRESS_EVERY)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            if left < 0:
                return None
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._connection().execute(sql, params).fetchone()
        return row

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this connection: it changes whenever another
        connection (the writer, another process) has committed since the last call. A result
        computed after reading it is current until it changes (cache keys of whole-table reads).

        Asked once per batch: within a read transaction it cannot change (the snapshot is the one
        the first read of the batch took), so every request of the batch shares the answer."""
        conn = self._connection()
        if self._version is not None:
            return self._version
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        if self._snapshot_loop is not None:  # a batch's snapshot (no loop: each statement its own)
            self._version = version
        return version

    def close(self) -> None:
        self._snapshot_loop = None
        self._version = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
