"""The instance's own content (the accounts role): server rules and the documents admins write."""

from __future__ import annotations

from typing import Protocol

from rookery.workloads.domain.instance import InstanceDocument, Rule


class InstanceContentStore(Protocol):
    async def rules(self) -> list[Rule]:
        """Every rule, by position then id."""
        ...

    async def add_rule(self, rule: Rule) -> None: ...

    async def update_rule(self, rule: Rule) -> bool:
        """Replace a rule's text, hint and position; False when there is no such rule."""
        ...

    async def delete_rule(self, rule_id: int) -> bool: ...

    async def document(self, kind: str) -> InstanceDocument | None: ...

    async def save_document(self, document: InstanceDocument) -> None:
        """Create or replace the document of its kind."""
        ...
