"""SQLite migrations are numbered files, ``adapters/sqlite/migrations/<role>/NNNN_name.sql``. The
database records (role, version) as it did when they were tuples in the store modules, so a
``.rookery/rookery.db`` made by an earlier version upgrades without anything applied twice."""

from __future__ import annotations

import pathlib

import pytest

from rookery.workloads.adapters.sqlite import (
    accounts,
    analytics,
    conversations,
    eventlog,
    graph,
    interactions,
    lists,
    markers,
    media,
    messaging,
    moderation,
    notifications,
    oauth,
    outbox,
    push,
    search,
    statuses,
    tags,
    timelines,
)
from rookery.workloads.adapters.sqlite.db import Database, Migration, load_migrations, split_statements

STORES = (
    accounts, oauth, markers, statuses, interactions, graph, timelines, notifications, outbox, eventlog,
    media, messaging, push, conversations, search, tags, moderation, analytics, lists,
)  # fmt: skip

# what the version with the migrations as tuples recorded in schema_migrations, every store embedded
RECORDED_BEFORE = {
    ("accounts", 1), ("admin", 1), ("analytics", 1), ("analytics", 2), ("conversations", 1), ("events", 1),
    ("events", 2), ("feed", 1), ("graph", 1), ("lists", 1), ("markers", 1), ("media", 1), ("messaging", 1),
    ("notifications", 1), ("oauth", 1), ("posts", 1), ("posts", 2), ("posts", 3), ("push", 1), ("push", 2),
    ("search", 1), ("tags", 1),
}  # fmt: skip

# added since: an upgraded database applies exactly these, once
ADDED_SINCE = {("posts", 4), ("posts", 5)}

# schema_migrations exactly as the earlier version created it
OLD_BOOKKEEPING = (
    "CREATE TABLE schema_migrations ("
    " role TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now')),"
    " PRIMARY KEY (role, version))"
)


def every_migration() -> list[Migration]:
    return [migration for store in STORES for migration in store.MIGRATIONS]


async def previous_version_database(path: pathlib.Path, recorded: set[tuple[str, int]]) -> Database:
    """A database as the earlier version left it: the tables of ``recorded`` in place, ``recorded``
    in schema_migrations."""
    db = Database(path)
    await db.connect()
    await db.conn.execute(OLD_BOOKKEEPING)
    for migration in sorted(every_migration(), key=lambda m: (m.role, m.version)):
        if (migration.role, migration.version) in recorded:
            for statement in migration.statements:
                await db.conn.execute(statement)
            await db.conn.execute(
                "INSERT INTO schema_migrations (role, version) VALUES (?, ?)", (migration.role, migration.version)
            )
    return db


def test_the_files_keep_the_recorded_identities() -> None:
    identities = [(m.role, m.version) for m in every_migration()]
    assert len(identities) == len(set(identities))
    assert set(identities) == RECORDED_BEFORE | ADDED_SINCE


async def test_a_database_from_the_earlier_version_gets_only_the_added_ones(tmp_path: pathlib.Path) -> None:
    db = await previous_version_database(tmp_path / "rookery.db", RECORDED_BEFORE)
    # a CREATE TABLE run again would raise
    assert set(await db.migrate(every_migration())) == ADDED_SINCE
    assert await db.migrate(every_migration()) == []
    recorded = await db.fetchall("SELECT role, version FROM schema_migrations")
    assert len(recorded) == len(RECORDED_BEFORE | ADDED_SINCE)
    await db.close()


async def test_an_older_database_gets_only_what_it_lacks(tmp_path: pathlib.Path) -> None:
    # made before replies stored their thread root (posts 3): that one is applied, and backfills
    db = await previous_version_database(tmp_path / "rookery.db", RECORDED_BEFORE - {("posts", 3)})
    for status_id, reply_to in ((1, None), (2, 1), (3, 2)):
        await db.conn.execute(
            "INSERT INTO statuses (id, account_id, text, content, visibility, in_reply_to_id)"
            " VALUES (?, 1, '', '', 'public', ?)",
            (status_id, reply_to),
        )
    assert await db.migrate(every_migration()) == [("posts", 3), *sorted(ADDED_SINCE)]
    rows = await db.fetchall("SELECT id, conversation_id FROM statuses ORDER BY id")
    assert [tuple(row) for row in rows] == [(1, None), (2, 1), (3, 1)]
    assert await db.migrate(every_migration()) == []
    await db.close()


def test_statements_split_where_sqlite_ends_them() -> None:
    text = """-- a header

CREATE TABLE t (
    a TEXT NOT NULL DEFAULT ';'  -- a column
);

-- a trigger keeps its inner statements
CREATE TRIGGER t_copy AFTER INSERT ON t BEGIN
    INSERT INTO u VALUES (new.a);
END;
"""
    assert split_statements(text) == (
        "CREATE TABLE t (\n    a TEXT NOT NULL DEFAULT ';'  -- a column\n)",
        "CREATE TRIGGER t_copy AFTER INSERT ON t BEGIN\n    INSERT INTO u VALUES (new.a);\nEND",
    )
    with pytest.raises(ValueError, match="closing"):
        split_statements("CREATE TABLE t (a INTEGER)\n")


def test_a_missing_version_is_an_error(tmp_path: pathlib.Path) -> None:
    (tmp_path / "things").mkdir()
    (tmp_path / "things" / "0001_things.sql").write_text("CREATE TABLE things (a INTEGER);\n")
    assert load_migrations("things", 1, directory=tmp_path) == (
        Migration("things", 1, ("CREATE TABLE things (a INTEGER)",)),
    )
    with pytest.raises(ValueError, match="no migration file"):
        load_migrations("things", 1, 2, directory=tmp_path)
