"""Mastodon.py, unchanged, against a real `rookery up` process: account notes, endorsements
(account_pin / account_unpin, endorsements), remove_from_followers, featured tags (create,
list, suggestions, per account, delete), follow suggestions (v2) and their dismissal, the
profile directory, familiar followers, deleting the avatar and header, and trending links. Both
modes: `rookery up`, and `rookery serve --role all` on the real PostgreSQL, Redis, Kafka and Cassandra."""

from __future__ import annotations

from typing import Any

import compat_support
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

SCOPES = ["read", "write", "follow"]


@pytest.fixture(scope="module")
def users(server: Any) -> dict[str, Mastodon]:
    return compat_support.users(server, "rookery-compat-profiles", SCOPES, "ada", "bo", "cal", "dot")


def test_notes_endorsements_and_followers(users: dict[str, Mastodon]) -> None:
    ada, bo, cal = users["ada"], users["bo"], users["cal"]
    bo_id, cal_id, ada_id = bo.me().id, cal.me().id, ada.me().id
    assert ada.account_note_set(bo_id, "from the book club").note == "from the book club"
    assert ada.account_relationships(bo_id)[0].note == "from the book club"
    with pytest.raises(MastodonAPIError):
        ada.account_pin(bo_id)  # not following yet
    ada.account_follow(bo_id)
    assert ada.account_pin(bo_id).endorsed is True
    assert [a.id for a in ada.endorsements()] == [bo_id]
    assert ada.account_unpin(bo_id).endorsed is False
    assert ada.endorsements() == []
    cal.account_follow(ada_id)
    removed = ada.account_remove_from_followers(cal_id)
    assert removed.followed_by is False
    assert cal.account_relationships(ada_id)[0].following is False


def test_featured_tags(users: dict[str, Mastodon]) -> None:
    dot = users["dot"]
    dot.status_post("#gardening today")
    dot.status_post("#gardening and #tea")
    assert [t.name for t in dot.featured_tag_suggestions()] == ["gardening", "tea"]
    tag = dot.featured_tag_create("gardening")
    assert tag.name == "gardening" and tag.statuses_count == "2"
    with pytest.raises(MastodonAPIError):
        dot.featured_tag_create("gardening")  # already featured
    with pytest.raises(MastodonAPIError):
        dot.featured_tag_create("not a tag")
    assert [t.name for t in dot.featured_tags()] == ["gardening"]
    assert [t.name for t in users["ada"].account_featured_tags(dot.me().id)] == ["gardening"]
    dot.featured_tag_delete(tag.id)
    assert dot.featured_tags() == []
    with pytest.raises(MastodonNotFoundError):
        dot.featured_tag_delete(tag.id)


def test_suggestions_directory_and_familiar_followers(users: dict[str, Mastodon]) -> None:
    ada, bo, cal, dot = users["ada"], users["bo"], users["cal"], users["dot"]
    bo.account_follow(cal.me().id)  # ada follows bo (above): cal is a friend of a friend
    suggested = ada.suggestions_v2()
    assert suggested[0].account.id == cal.me().id and "friends_of_friends" in suggested[0].sources
    ada.suggestion_delete(cal.me().id)
    assert cal.me().id not in [s.account.id for s in ada.suggestions_v2()]
    assert {a.id for a in ada.directory(order="new", local=True)} >= {ada.me().id, bo.me().id, dot.me().id}
    assert len(ada.directory(order="active", limit=2)) == 2
    familiar = ada.account_familiar_followers([cal.me().id, dot.me().id])
    assert {f.id: [a.id for a in f.accounts] for f in familiar} == {cal.me().id: [bo.me().id], dot.me().id: []}


def test_avatar_and_header_deletes(users: dict[str, Mastodon]) -> None:
    bo = users["bo"]
    assert bo.account_delete_avatar().avatar.endswith("/avatars/original/missing.png")
    assert bo.account_delete_header().header.endswith("/headers/original/missing.png")


def test_trending_links(users: dict[str, Mastodon]) -> None:
    users["cal"].status_post("worth reading https://example.org/field-notes")
    users["dot"].status_post("yes https://example.org/field-notes")
    cards = users["ada"].trending_links()
    assert cards[0].url == "https://example.org/field-notes" and cards[0].type == "link"
    assert cards[0].title == "field notes"
    assert cards[0].history[0].accounts == 2  # Mastodon.py reads the string count as a number
