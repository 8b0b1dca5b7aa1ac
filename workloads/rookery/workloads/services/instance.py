"""Use cases of the instance's own content: server rules and the documents admins write."""

from __future__ import annotations

import datetime as dt

from rookery.workloads.domain.errors import NotFound
from rookery.workloads.domain.instance import (
    MAX_RULES,
    TERMS_OF_SERVICE,
    InstanceDocument,
    InvalidInstanceContent,
    Rule,
    document_text,
    rule_text,
)
from rookery.workloads.ids import new_id
from rookery.workloads.ports.instance import InstanceContentStore


class InstanceContent:
    def __init__(self, store: InstanceContentStore) -> None:
        self.store = store

    async def rules(self) -> list[Rule]:
        return await self.store.rules()

    async def add_rule(self, text: object, hint: object = "", position: int | None = None) -> Rule:
        text, hint = rule_text(text, hint)
        existing = await self.store.rules()
        if len(existing) >= MAX_RULES:
            raise InvalidInstanceContent(f"a server has at most {MAX_RULES} rules")
        last = max((r.position for r in existing), default=0)
        rule = Rule(new_id(), text, hint, last + 1 if position is None else position)
        await self.store.add_rule(rule)
        return rule

    async def update_rule(self, rule_id: int, text: object, hint: object = None, position: int | None = None) -> Rule:
        current = next((r for r in await self.store.rules() if r.id == rule_id), None)
        if current is None:
            raise NotFound()
        text, hint = rule_text(text if text is not None else current.text, hint if hint is not None else current.hint)
        rule = Rule(rule_id, text, hint, current.position if position is None else position)
        if not await self.store.update_rule(rule):
            raise NotFound()
        return rule

    async def delete_rule(self, rule_id: int) -> None:
        if not await self.store.delete_rule(rule_id):
            raise NotFound()

    async def document(self, kind: str) -> InstanceDocument | None:
        return await self.store.document(kind)

    async def save_document(
        self, kind: str, text: object, effective_date: dt.date | None = None, now: dt.datetime | None = None
    ) -> InstanceDocument:
        content = document_text(kind, text)
        at = now or dt.datetime.now(dt.UTC)
        if kind == TERMS_OF_SERVICE:
            effective_date = effective_date or at.date()
        elif effective_date is not None:
            raise InvalidInstanceContent("effective_date is for the terms of service only")
        document = InstanceDocument(kind, content, at, effective_date)
        await self.store.save_document(document)
        return document
