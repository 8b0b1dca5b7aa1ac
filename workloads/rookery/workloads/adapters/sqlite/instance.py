"""Embedded InstanceContentStore on the shared SQLite database."""

from __future__ import annotations

import datetime as dt

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.instance import InstanceDocument, Rule

MIGRATIONS = load_migrations("instance", 1)


class SqliteInstanceContentStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.reader = db.inline
        self._rules: tuple[int, list[Rule]] | None = None  # (data_version read before them, the rules)

    async def rules(self) -> list[Rule]:
        # a few rows, read on every /api/v1/instance: kept until anything is committed, then read
        # again inline (no hand-off to the writer's thread)
        version = self.reader.data_version()
        if self._rules is None or self._rules[0] != version:
            rows = self.reader.fetchall("SELECT id, text, hint, position FROM instance_rules ORDER BY position, id")
            self._rules = (version, [Rule(row["id"], row["text"], row["hint"], row["position"]) for row in rows])
        return list(self._rules[1])

    async def add_rule(self, rule: Rule) -> None:
        await self.db.execute(
            "INSERT INTO instance_rules (id, text, hint, position) VALUES (?, ?, ?, ?)",
            (rule.id, rule.text, rule.hint, rule.position),
        )

    async def update_rule(self, rule: Rule) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE instance_rules SET text = ?, hint = ?, position = ? WHERE id = ?",
                (rule.text, rule.hint, rule.position, rule.id),
            )
            return cursor.rowcount > 0

    async def delete_rule(self, rule_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM instance_rules WHERE id = ?", (rule_id,))
            return cursor.rowcount > 0

    async def document(self, kind: str) -> InstanceDocument | None:
        row = await self.db.fetchone(
            "SELECT kind, text, updated_at, effective_date FROM instance_documents WHERE kind = ?", (kind,)
        )
        if row is None:
            return None
        effective = dt.date.fromisoformat(row["effective_date"]) if row["effective_date"] else None
        return InstanceDocument(row["kind"], row["text"], dt.datetime.fromisoformat(row["updated_at"]), effective)

    async def save_document(self, document: InstanceDocument) -> None:
        await self.db.execute(
            "INSERT INTO instance_documents (kind, text, updated_at, effective_date) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (kind) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at,"
            " effective_date = excluded.effective_date",
            (
                document.kind,
                document.text,
                document.updated_at.isoformat(),
                document.effective_date.isoformat() if document.effective_date else None,
            ),
        )
