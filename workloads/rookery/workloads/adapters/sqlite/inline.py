"""Small indexed reads run inline on the event loop, over a second, read-only connection.

The shared aiosqlite connection runs every statement on its worker thread; for the hot reads (a
timeline page, the viewer's relations, the viewer's flags) the hand-off between threads costs more
than the query itself (tens of microseconds, pages in SQLite's cache). WAL lets this reader see
every committed write without waiting on the writer. Use it only for bounded, indexed queries.
"""

from __future__ import annotations

import pathlib
import sqlite3
from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.sqlite.db import Database

PROGRESS_EVERY = 1000  # SQLite virtual-machine instructions between two checks of a read's budget


class InlineReader:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            uri = pathlib.Path(self.db.path).resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA cache_size=-16384")
            self._conn = conn
        return self._conn

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
        computed after reading it is current until it changes (cache keys of whole-table reads)."""
        return int(self._connection().execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
