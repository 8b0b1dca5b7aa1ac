"""OAuth domain rules: scope parsing and Mastodon's scope implications, PKCE, redirect URIs."""

from __future__ import annotations

import base64
import hashlib

import pytest

from rookery.workloads.domain.oauth import (
    AuthContext,
    OAuthError,
    any_scope_granted,
    parse_scopes,
    pkce_matches,
    scope_granted,
    scopes_within,
)
from rookery.workloads.services.oauth import parse_redirect_uris


def test_parse_scopes() -> None:
    assert parse_scopes("read write:statuses") == {"read", "write:statuses"}
    assert parse_scopes("read+follow") == {"read", "follow"}
    assert parse_scopes(None) == {"read"}
    assert parse_scopes("  ") == {"read"}
    with pytest.raises(OAuthError) as err:
        parse_scopes("read delete:everything")
    assert err.value.error == "invalid_scope"


@pytest.mark.parametrize(
    ("granted", "required", "allowed"),
    [
        ({"read"}, "read:statuses", True),
        ({"read"}, "read", True),
        ({"read:statuses"}, "read", False),
        ({"read:statuses"}, "read:accounts", False),
        ({"write"}, "read:statuses", False),
        ({"follow"}, "write:follows", True),
        ({"follow"}, "read:blocks", True),
        ({"follow"}, "write:statuses", False),
        ({"admin:read"}, "admin:read:accounts", True),
        ({"admin:read"}, "admin:write:accounts", False),
        ({"read"}, "admin:read:accounts", False),
    ],
)
def test_scope_implications(granted: set[str], required: str, allowed: bool) -> None:
    assert scope_granted(frozenset(granted), required) is allowed


def test_any_of_several_and_subsets() -> None:
    assert any_scope_granted(frozenset({"profile"}), ("read:accounts", "profile"))
    assert not any_scope_granted(frozenset({"write"}), ("read:accounts", "profile"))
    assert any_scope_granted(frozenset(), ())
    assert scopes_within(frozenset({"read:statuses", "write:media"}), frozenset({"read", "write"}))
    assert not scopes_within(frozenset({"follow"}), frozenset({"read", "write"}))
    ctx = AuthContext(account_id=None, app_id=1, scopes=frozenset({"read"}), token_id="t")
    assert ctx.allows("read:accounts")
    with pytest.raises(ValueError):
        _ = ctx.user_id


def test_pkce() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B
    assert pkce_matches(verifier, challenge, "S256")
    assert not pkce_matches(verifier + "x", challenge, "S256")
    assert pkce_matches("plain-verifier", "plain-verifier", "plain")
    assert not pkce_matches(verifier, verifier, "S256")


def test_redirect_uris() -> None:
    assert parse_redirect_uris("https://a.example/cb\nurn:ietf:wg:oauth:2.0:oob") == (
        "https://a.example/cb",
        "urn:ietf:wg:oauth:2.0:oob",
    )
    assert parse_redirect_uris(["myapp://callback", "myapp://callback"]) == ("myapp://callback",)
    for bad in ("", "relative/path", "https://a.example/cb#frag"):
        with pytest.raises(OAuthError):
            parse_redirect_uris(bad)
