"""Production InstanceContentStore on PostgreSQL (migration 0063_instance_content.sql)."""

from __future__ import annotations

from rookery.workloads.adapters.postgres.db import PostgresDatabase, SnapshotCached
from rookery.workloads.domain.instance import InstanceDocument, Rule


class PostgresInstanceContentStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self._rules: SnapshotCached[list[Rule]] = SnapshotCached(db)

    async def rules(self) -> list[Rule]:
        """Every GET /api/v1/instance reads them: kept while nothing is written (SnapshotCached)."""
        return list(await self._rules.get(self._read_rules))

    async def _read_rules(self) -> list[Rule]:
        rows = await self.db.fetch("SELECT id, text, hint, position FROM instance_rules ORDER BY position, id")
        return [Rule(row["id"], row["text"], row["hint"], row["position"]) for row in rows]

    async def add_rule(self, rule: Rule) -> None:
        await self.db.execute(
            "INSERT INTO instance_rules (id, text, hint, position) VALUES ($1, $2, $3, $4)",
            rule.id,
            rule.text,
            rule.hint,
            rule.position,
        )

    async def update_rule(self, rule: Rule) -> bool:
        status = await self.db.execute(
            "UPDATE instance_rules SET text = $2, hint = $3, position = $4 WHERE id = $1",
            rule.id,
            rule.text,
            rule.hint,
            rule.position,
        )
        return status != "UPDATE 0"

    async def delete_rule(self, rule_id: int) -> bool:
        return await self.db.execute("DELETE FROM instance_rules WHERE id = $1", rule_id) != "DELETE 0"

    async def document(self, kind: str) -> InstanceDocument | None:
        row = await self.db.fetchrow(
            "SELECT kind, text, updated_at, effective_date FROM instance_documents WHERE kind = $1", kind
        )
        if row is None:
            return None
        return InstanceDocument(row["kind"], row["text"], row["updated_at"], row["effective_date"])

    async def save_document(self, document: InstanceDocument) -> None:
        await self.db.execute(
            "INSERT INTO instance_documents (kind, text, updated_at, effective_date) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (kind) DO UPDATE SET text = EXCLUDED.text, updated_at = EXCLUDED.updated_at,"
            " effective_date = EXCLUDED.effective_date",
            document.kind,
            document.text,
            document.updated_at,
            document.effective_date,
        )
