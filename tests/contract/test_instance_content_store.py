"""InstanceContentStore contract: server rules and admin documents, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.instance import PostgresInstanceContentStore
from rookery.workloads.adapters.sqlite import instance as sqlite_instance
from rookery.workloads.domain.instance import PRIVACY_POLICY, TERMS_OF_SERVICE, InstanceDocument, Rule
from rookery.workloads.ids import new_id

T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


async def content(store_db: StoreDb) -> object:
    return await store_db.store(
        list(sqlite_instance.MIGRATIONS), sqlite_instance.SqliteInstanceContentStore, PostgresInstanceContentStore
    )


async def test_rules_keep_their_order_and_change_in_place(store_db: StoreDb) -> None:
    store = await content(store_db)
    assert await store.rules() == []  # type: ignore[attr-defined]
    placed = ((1, 2), (2, 1), (3, 1))
    first, second, third = (Rule(new_id(), f"rule {n}", f"hint {n}", position) for n, position in placed)
    for rule in (first, second, third):
        await store.add_rule(rule)  # type: ignore[attr-defined]
    assert await store.rules() == [second, third, first]  # type: ignore[attr-defined]
    changed = Rule(first.id, "be kind", "", 0)
    assert await store.update_rule(changed) is True  # type: ignore[attr-defined]
    assert await store.update_rule(Rule(new_id(), "nobody", "", 0)) is False  # type: ignore[attr-defined]
    assert (await store.rules())[0] == changed  # type: ignore[attr-defined]
    assert await store.delete_rule(second.id) is True  # type: ignore[attr-defined]
    assert await store.delete_rule(second.id) is False  # type: ignore[attr-defined]
    assert [r.id for r in await store.rules()] == [first.id, third.id]  # type: ignore[attr-defined]


async def test_documents_are_one_per_kind_and_replaced(store_db: StoreDb) -> None:
    store = await content(store_db)
    assert await store.document(PRIVACY_POLICY) is None  # type: ignore[attr-defined]
    policy = InstanceDocument(PRIVACY_POLICY, "We keep little.", T0)
    await store.save_document(policy)  # type: ignore[attr-defined]
    terms = InstanceDocument(TERMS_OF_SERVICE, "Be nice.\n\nOr leave.", T0, dt.date(2026, 6, 1))
    await store.save_document(terms)  # type: ignore[attr-defined]
    assert await store.document(PRIVACY_POLICY) == policy  # type: ignore[attr-defined]
    assert await store.document(TERMS_OF_SERVICE) == terms  # type: ignore[attr-defined]
    newer = InstanceDocument(PRIVACY_POLICY, "We keep nothing.", T0 + dt.timedelta(days=1))
    await store.save_document(newer)  # type: ignore[attr-defined]
    assert await store.document(PRIVACY_POLICY) == newer  # type: ignore[attr-defined]
