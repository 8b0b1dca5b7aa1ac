"""AccountRepository, OAuthStore and MarkerStore contract: SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest
from postgres_stores import StoreDb

from rookery.workloads.domain.accounts import Account, AccountTaken, AccountUsage, ProfileField
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord
from rookery.workloads.ids import new_id

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def account(username: str, **fields: object) -> Account:
    values: dict[str, object] = {
        "id": new_id(),
        "username": username,
        "email": f"{username}@example.com",
        "password_hash": "$argon2id$x",
        "created_at": NOW,
    }
    values.update(fields)
    return Account(**values)  # type: ignore[arg-type]


async def test_account_round_trips_every_field(store_db: StoreDb) -> None:
    repo = store_db.accounts()
    alice = account(
        "Alice",
        display_name="Alice A.",
        note="hi",
        locked=True,
        bot=True,
        discoverable=False,
        role="admin",
        fields=(ProfileField("site", "https://a.example", None),),
        avatar="https://cdn/a.png",
        privacy="private",
        sensitive=True,
        language="de",
    )
    await repo.create(alice)
    assert await repo.get(alice.id) == alice
    assert await repo.by_username("alice") == alice  # case-insensitive
    assert await repo.by_email("ALICE@example.com") == alice
    assert await repo.get(new_id()) is None
    assert await repo.by_username("nobody") is None


async def test_taken_username_or_email_is_refused(store_db: StoreDb) -> None:
    repo = store_db.accounts()
    await repo.create(account("bob"))
    with pytest.raises(AccountTaken, match="Username"):
        await repo.create(account("BOB", email="other@example.com"))
    with pytest.raises(AccountTaken, match="E-mail"):
        await repo.create(account("robert", email="Bob@Example.com"))
    carol = account("carol")
    await repo.create(carol)
    with pytest.raises(AccountTaken):
        await repo.update(dataclasses.replace(carol, username="Bob"))
    assert (await repo.get(carol.id)).username == "carol"


async def test_get_many_search_and_counts(store_db: StoreDb) -> None:
    repo = store_db.accounts()
    ann, anna, bo = (
        account("ann"),
        account("anna", display_name="Anna"),
        account("bo", display_name="Ann fan"),
    )
    for a in (ann, anna, bo):
        await repo.create(a)
    assert set(await repo.get_many([ann.id, bo.id, ann.id, new_id()])) == {ann.id, bo.id}
    assert await repo.get_many([]) == {}
    found = [a.username for a in await repo.search("@ann", limit=10)]
    assert found[0] == "ann" and set(found) == {"ann", "anna", "bo"}
    assert [a.username for a in await repo.search("ann", limit=1, offset=1)] == found[1:2]
    assert await repo.search("%", limit=10) == []  # LIKE wildcards are literal
    await repo.adjust_counts(ann.id, followers=2, statuses=1, last_status_at=dt.date(2026, 5, 2))
    await repo.adjust_counts(ann.id, followers=-5, following=-1)
    got = await repo.get(ann.id)
    assert got is not None
    assert (got.followers_count, got.following_count, got.statuses_count) == (0, 0, 1)
    assert got.last_status_at == dt.date(2026, 5, 2)
    # lookups at once (one statement in production) each get their own account, or None
    asked = [bo.id, new_id(), ann.id, bo.id]
    assert await asyncio.gather(*(repo.get(i) for i in asked)) == [await repo.get(i) for i in asked]
    assert [a.username if a else None for a in await asyncio.gather(*(repo.get(i) for i in asked))] == [
        "bo", None, "ann", "bo",
    ]  # fmt: skip


async def test_usage_counts_accounts_statuses_and_recent_posters(store_db: StoreDb) -> None:
    repo = store_db.accounts()
    month, halfyear = dt.date(2026, 4, 3), dt.date(2025, 11, 2)
    assert await repo.usage(month, halfyear) == AccountUsage(0, 0, 0, 0)
    recent, older, silent, gone = (account(n) for n in ("recent", "older", "silent", "gone"))
    for person in (recent, older, silent, gone):
        await repo.create(person)
    await repo.adjust_counts(recent.id, statuses=3, last_status_at=month)  # on the first day: counts
    await repo.adjust_counts(older.id, statuses=2, last_status_at=dt.date(2026, 1, 5))
    await repo.adjust_counts(gone.id, statuses=7, last_status_at=month)
    gone.suspended = True
    await repo.update(gone)  # suspended: left out of every number
    assert await repo.usage(month, halfyear) == AccountUsage(users=3, statuses=5, active_month=1, active_halfyear=2)
    assert (await repo.usage(month + dt.timedelta(days=1), halfyear)).active_month == 0


async def test_directory_orders_discoverable_accounts(store_db: StoreDb) -> None:
    repo = store_db.accounts()
    old, busy, quiet, hidden, gone = (account(n) for n in ("old", "busy", "quiet", "hidden", "gone"))
    hidden.discoverable, gone.suspended = False, True
    for person in (old, busy, quiet, hidden, gone):
        await repo.create(person)
    await repo.adjust_counts(old.id, followers=5, last_status_at=dt.date(2026, 1, 5))
    await repo.adjust_counts(busy.id, followers=2, last_status_at=dt.date(2026, 4, 30))
    await repo.adjust_counts(hidden.id, followers=9, last_status_at=dt.date(2026, 5, 1))

    def names(found: list[Account]) -> list[str]:
        return [a.username for a in found]

    assert names(await repo.directory("active", 10)) == ["busy", "old", "quiet"]  # never posted: last
    assert names(await repo.directory("new", 10)) == ["quiet", "busy", "old"]
    assert names(await repo.directory("popular", 10)) == ["old", "busy", "quiet"]
    assert names(await repo.directory("new", 1, offset=1)) == ["busy"]


async def test_oauth_apps_codes_and_tokens(store_db: StoreDb) -> None:
    store = store_db.oauth()
    app = OAuthApp(
        new_id(), "client", "cid", "secret", ("urn:ietf:wg:oauth:2.0:oob",), frozenset({"read"}), None, NOW
    )
    await store.create_app(app)
    assert await store.app(app.id) == app
    assert await store.app_by_client_id("cid") == app
    assert await store.app_by_client_id("nope") is None

    code = AuthorizationCode("d1", app.id, 7, frozenset({"read"}), "urn:x", "ch", "S256", NOW)
    await store.save_code(code)
    assert await store.take_code("d1") == code
    assert await store.take_code("d1") is None  # single use

    token = TokenRecord("j1", app.id, 7, frozenset({"read", "write"}), NOW, NOW + dt.timedelta(hours=1), "r1",
                        NOW + dt.timedelta(days=1))  # fmt: skip
    await store.save_token(token)
    assert await store.token("j1") == token
    assert await store.token_by_refresh("r1") == token
    assert await store.revoke("j1", NOW) is True
    assert await store.revoke("j1", NOW) is False
    assert await store.revoke("unknown", NOW) is False
    assert (await store.token("j1")).revoked_at == NOW
    assert await store.revoked_since(NOW) == ["j1"]
    assert await store.revoked_since(NOW + dt.timedelta(days=2)) == []


async def test_markers_count_versions(store_db: StoreDb) -> None:
    markers = store_db.markers()
    first = await markers.save(1, "home", 10, NOW)
    second = await markers.save(1, "home", 12, NOW + dt.timedelta(seconds=1))
    assert (first.version, second.version) == (1, 2)
    got = await markers.get(1, ["home", "notifications"])
    assert list(got) == ["home"] and got["home"].last_read_id == 12 and got["home"].version == 2
    assert await markers.get(1, []) == {}
