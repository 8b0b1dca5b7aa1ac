"""AccountsService: registration, sign-in, lookup, profile edits, roles, moderation, counters."""

from __future__ import annotations

import pytest
from services_support import PASSWORD, House

from rookery.workloads.domain.accounts import AccountTaken, InvalidAccount, ProfileChanges


async def test_register_validates_and_refuses_a_taken_name_or_email(house: House) -> None:
    alice = await house.user("alice")
    assert alice.password_hash != PASSWORD and alice.role == "user"
    with pytest.raises(AccountTaken):
        await house.accounts.register("ALICE", "other@example.org", PASSWORD)
    with pytest.raises(AccountTaken):
        await house.accounts.register("alice2", "Alice@Example.org", PASSWORD)
    for username, email, password, role in (
        ("bad name", "b@example.org", PASSWORD, "user"),
        ("bob", "not-an-email", PASSWORD, "user"),
        ("bob", "b@example.org", "short", "user"),
        ("bob", "b@example.org", PASSWORD, "overlord"),
    ):
        with pytest.raises(InvalidAccount):
            await house.accounts.register(username, email, password, role=role)
    assert await house.accounts.lookup("bob") is None


async def test_sign_in_by_email_or_username_never_for_the_suspended(house: House) -> None:
    alice = await house.user("alice")
    for login in (" ALICE@example.org ", "alice"):
        signed_in = await house.accounts.authenticate(login, PASSWORD)
        assert signed_in is not None and signed_in.id == alice.id, login
    assert await house.accounts.authenticate("alice", PASSWORD + "!") is None
    assert await house.accounts.authenticate("nobody", PASSWORD) is None
    assert await house.accounts.may_act(alice.id)
    await house.accounts.moderate(alice.id, suspended=True)
    assert await house.accounts.authenticate("alice", PASSWORD) is None
    assert not await house.accounts.may_act(alice.id)
    assert not await house.accounts.may_act(424242)


async def test_lookup_accepts_local_forms_only(house: House) -> None:
    alice = await house.user("alice")
    domain = house.accounts.local_domain
    for acct in ("alice", "@alice", f"alice@{domain}", f"@Alice@{domain.upper()}"):
        assert (found := await house.accounts.lookup(acct)) is not None and found.id == alice.id, acct
    for acct in ("alice@elsewhere.example", "@", ""):
        assert await house.accounts.lookup(acct) is None, acct


async def test_profile_changes_are_applied_and_read_back(house: House) -> None:
    alice = await house.user("alice")
    updated = await house.accounts.update_profile(alice.id, ProfileChanges(display_name="Alice A.", locked=True))
    assert (updated.display_name, updated.locked) == ("Alice A.", True)
    fresh = await house.account(alice.id)
    assert (fresh.display_name, fresh.locked, fresh.note) == ("Alice A.", True, alice.note)
    with pytest.raises(InvalidAccount):
        await house.accounts.update_profile(424242, ProfileChanges(display_name="x"))


async def test_roles_and_moderation_flags(house: House) -> None:
    alice = await house.user("alice")
    await house.accounts.set_role(alice.id, "moderator")
    assert (await house.account(alice.id)).role == "moderator"
    with pytest.raises(InvalidAccount):
        await house.accounts.set_role(alice.id, "overlord")
    silenced = await house.accounts.moderate(alice.id, silenced=True)
    assert silenced.silenced and not silenced.suspended
    with pytest.raises(InvalidAccount):
        await house.accounts.moderate(424242, suspended=True)


async def test_counters_move_by_deltas_and_never_below_zero(house: House) -> None:
    alice = await house.user("alice")
    await house.accounts.adjust_counts(alice.id, followers=2, statuses=1)
    await house.accounts.adjust_counts(alice.id, followers=-5, following=-1)
    fresh = await house.account(alice.id)
    assert (fresh.followers_count, fresh.following_count, fresh.statuses_count) == (0, 0, 1)


async def test_an_external_subject_is_bound_once_and_never_handed_over(house: House) -> None:
    created = await house.accounts.account_for_external_subject(
        {"sub": "kc-1", "preferred_username": "carol", "email": "carol@example.org"}
    )
    assert created is not None
    again = await house.accounts.account_for_external_subject({"sub": "kc-1", "preferred_username": "carol"})
    assert again == created
    assert await house.accounts.account_for_external_subject({"sub": "kc-2", "preferred_username": "carol"}) is None
    assert await house.accounts.authenticate("carol", PASSWORD) is None  # no local password
    local = await house.user("dave")  # a local account is bound on first sight
    assert await house.accounts.account_for_external_subject({"sub": "kc-3", "preferred_username": "dave"}) == local.id
    assert await house.accounts.account_for_external_subject({"preferred_username": "erin"}) is None
