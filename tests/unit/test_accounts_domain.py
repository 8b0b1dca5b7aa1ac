"""Account invariants and profile edits (pure domain)."""

from __future__ import annotations

import datetime as dt

import pytest

from rookery.workloads.domain.accounts import (
    Account,
    InvalidAccount,
    ProfileChanges,
    ProfileField,
    apply_profile_changes,
    note_html,
    validate_email,
    validate_password,
    validate_username,
)


def account() -> Account:
    return Account(
        id=1, username="alice", email="a@example.org", password_hash="x", created_at=dt.datetime.now(dt.UTC)
    )


def test_username_email_password_rules() -> None:
    assert validate_username("Alice_1") == "Alice_1"
    for bad in ("", "a" * 31, "al ice", "al-ice", "álice", "@alice"):
        with pytest.raises(InvalidAccount):
            validate_username(bad)
    assert validate_email(" Alice@Example.ORG ") == "alice@example.org"
    for bad in ("alice", "alice@", "@example.org", "a b@example.org", "a@b"):
        with pytest.raises(InvalidAccount):
            validate_email(bad)
    with pytest.raises(InvalidAccount):
        validate_password("short")
    with pytest.raises(InvalidAccount):
        validate_password("x" * 73)


def test_profile_changes_apply_only_what_is_given() -> None:
    original = account()
    changed = apply_profile_changes(
        original,
        ProfileChanges(
            display_name="Alice", locked=True, fields=(ProfileField("a", "b"), ProfileField("", ""))
        ),
    )
    assert changed.display_name == "Alice" and changed.locked is True
    assert changed.fields == (ProfileField("a", "b"),)  # blank rows are dropped, like Mastodon
    assert original.display_name == "" and original.locked is False  # the input is not mutated
    assert apply_profile_changes(changed, ProfileChanges()).display_name == "Alice"
    cleared = apply_profile_changes(changed, ProfileChanges(display_name="", language=""))
    assert cleared.display_name == "" and cleared.language is None


@pytest.mark.parametrize(
    "changes",
    [
        ProfileChanges(display_name="x" * 31),
        ProfileChanges(note="x" * 501),
        ProfileChanges(fields=tuple(ProfileField(str(i), "v") for i in range(5))),
        ProfileChanges(fields=(ProfileField("n" * 256, "v"),)),
        ProfileChanges(privacy="everyone"),
        ProfileChanges(language="english"),
    ],
)
def test_invalid_profile_changes(changes: ProfileChanges) -> None:
    with pytest.raises(InvalidAccount):
        apply_profile_changes(account(), changes)


def test_note_html() -> None:
    assert note_html("") == ""
    assert note_html("a <b> & c") == "<p>a &lt;b&gt; &amp; c</p>"
    assert note_html("one\ntwo\n\nthree") == "<p>one<br />two</p><p>three</p>"
