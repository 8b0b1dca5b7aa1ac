"""Pure rules of streaming (which stream reads which channel, who may read it, the viewer filter),
search (how queries split into words) and conversations (who gets a direct status)."""

from __future__ import annotations

import pytest

from rookery.workloads.domain.conversations import Delivery, deliveries
from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.domain.search import fts_account_query, fts_status_query, tag_prefix, words
from rookery.workloads.services.streaming import StreamRejected, admits, resolve_stream


def ctx(account_id: int | None = 7, scopes: str = "read") -> AuthContext:
    return AuthContext(account_id, 1, frozenset(scopes.split()), "jti")


def test_streams_map_to_channels() -> None:
    assert resolve_stream("user", ctx()).channel == "user:7"
    assert resolve_stream("user:notification", ctx()).only_notifications
    assert resolve_stream("direct", ctx()).channel == "direct:7"
    assert resolve_stream("public:local", None).channel == "public"
    assert resolve_stream("public:remote", None).channel == "public:remote"  # nothing is remote
    media = resolve_stream("public:local:media", None)
    assert media.channel == "public" and media.only_media and media.name == ("public:local:media",)
    tag = resolve_stream("hashtag:local", None, tag="#Cats")
    assert tag.channel == "hashtag:cats" and tag.name == ("hashtag:local", "Cats")


@pytest.mark.parametrize(
    ("stream", "auth", "tag", "status"),
    [
        ("user", None, None, 401),
        ("direct", ctx(None), None, 401),  # app-only token: no user
        ("user", ctx(scopes="read:notifications"), None, 403),
        ("user:notification", ctx(scopes="read:statuses"), None, 403),
        ("public", ctx(scopes="push"), None, 403),
        ("hashtag", None, None, 400),
        ("hashtag", None, "no spaces", 400),
        ("list", ctx(), None, 400),
        ("timeline", ctx(), None, 400),
    ],
)
def test_streams_refused(stream: str, auth: AuthContext | None, tag: str | None, status: int) -> None:
    with pytest.raises(StreamRejected) as refused:
        resolve_stream(stream, auth, tag=tag)
    assert refused.value.status == status


def test_viewer_filter() -> None:
    meta = {"a": 1, "r": None, "m": [3], "v": "public"}
    nobody = ViewerRelations()
    assert admits(meta, None, nobody) and admits(meta, 9, nobody)
    assert not admits(meta, 9, ViewerRelations(blocking=frozenset({1})))
    assert not admits(meta, 9, ViewerRelations(blocked_by=frozenset({1})))
    assert not admits(meta, 9, ViewerRelations(muting=frozenset({1})))
    assert not admits(meta, 9, ViewerRelations(blocking=frozenset({3})))  # mentions a blocked account
    assert admits(meta, 9, ViewerRelations(muting=frozenset({3})))
    reblog = {"a": 2, "r": 1, "m": [], "v": "public"}
    assert not admits(reblog, 9, ViewerRelations(muting=frozenset({1})))  # reblog of a muted author
    assert admits(meta, 1, ViewerRelations(muting=frozenset({1})))  # one's own posts always


def test_search_words() -> None:
    assert words("Hello, Wörld! @ana_b #cats 2026") == ["hello", "wörld", "ana_b", "cats", "2026"]
    assert words("%% -- !!") == []
    assert len(words("a " * 50)) == 8
    assert fts_status_query("hello wor") == '"hello" "wor"*'
    assert fts_status_query('"quoted" OR NEAR') == '"quoted" "or" "near"*'  # no FTS5 syntax gets through
    assert fts_account_query("@Alice@example.org") == ('{username display_name} : "alice"*', "alice")
    assert fts_account_query("Ana Lee") == ('{username display_name} : "ana"* "lee"*', "ana lee")
    assert fts_account_query("%") == (None, "%")
    assert tag_prefix("#Cats") == "cats" and tag_prefix("no spaces") is None and tag_prefix("") is None


def test_direct_deliveries() -> None:
    assert deliveries(1, [3, 2, 3]) == [
        Delivery(1, (2, 3), unread=False),
        Delivery(2, (1, 3), unread=True),
        Delivery(3, (1, 2), unread=True),
    ]
    assert deliveries(1, []) == [Delivery(1, (), unread=False)]
    assert deliveries(1, [1]) == [Delivery(1, (), unread=False)]
