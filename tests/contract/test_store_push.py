"""PushSubscriptionStore contract: SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

from postgres_stores import StoreDb

from rookery.workloads.domain.push import PushKeys, PushSubscription
from rookery.workloads.ids import new_id

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def subscription(token_id: str, account_id: int = 1, **fields: object) -> PushSubscription:
    return PushSubscription(
        id=new_id(), token_id=token_id, account_id=account_id, endpoint=f"https://push.example/{token_id}",
        keys=PushKeys("p256dh-key", "auth-secret"), alerts={"mention": True, "follow": False},
        created_at=NOW, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_one_subscription_per_token_replaced_on_put(store_db: StoreDb) -> None:
    store = store_db.push()
    first = subscription("jti-1", policy="followed", standard=True)
    await store.put(first)
    assert await store.get("jti-1") == first
    replaced = dataclasses.replace(
        first, id=new_id(), endpoint="https://push.example/new", alerts={"poll": True}
    )
    await store.put(replaced)
    assert await store.get("jti-1") == replaced
    assert await store.get("unknown") is None


async def test_listing_and_deleting(store_db: StoreDb) -> None:
    store = store_db.push()
    a, b, other = subscription("a"), subscription("b"), subscription("c", account_id=2)
    for item in (a, b, other):
        await store.put(item)
    assert [s.token_id for s in await store.for_account(1)] == ["a", "b"]
    assert await store.delete("a") is True
    assert await store.delete("a") is False
    await store.delete_by_id(b.id)
    assert await store.for_account(1) == []
    assert await store.for_account(2) == [other]
