"""OAuthService: apps, the grants of the token endpoint, PKCE, refresh rotation, revocation."""

from __future__ import annotations

import base64
import hashlib

import pytest
from services_support import PASSWORD, House

from rookery.workloads.domain.oauth import OAuthApp, OAuthError
from rookery.workloads.services.tokens import AccountDisabled, InvalidToken

REDIRECT = "https://app.example/callback"


async def _app(house: House, scopes: str = "read write") -> OAuthApp:
    return await house.oauth.register_app("Test app", [REDIRECT], scopes, "https://app.example")


def _error(excinfo: pytest.ExceptionInfo[OAuthError]) -> tuple[str, int]:
    return excinfo.value.error, excinfo.value.status


async def test_app_registration_rules(house: House) -> None:
    app = await _app(house)
    assert app.scopes == frozenset({"read", "write"}) and app.client_id != app.client_secret
    assert (await house.oauth.client(app.client_id)).id == app.id
    for name, uris, scopes, website in (
        ("  ", [REDIRECT], None, None),
        ("x" * 256, [REDIRECT], None, None),
        ("ok", [REDIRECT], None, "not a url"),
        ("ok", [], None, None),
        ("ok", ["relative/path"], None, None),
        ("ok", [REDIRECT], "read launch-missiles", None),
    ):
        with pytest.raises(OAuthError):
            await house.oauth.register_app(name, uris, scopes, website)
    with pytest.raises(OAuthError) as unknown:
        await house.oauth.client("nope")
    assert _error(unknown) == ("invalid_client", 401)
    with pytest.raises(OAuthError):
        await house.oauth.authenticate_client(app.client_id, "wrong secret")


async def test_password_grant_issues_a_token_the_validator_accepts(house: House) -> None:
    app, alice = await _app(house), await house.user("alice")
    params = {"client_id": app.client_id, "client_secret": app.client_secret, "username": "alice"}
    grant = await house.oauth.token({**params, "grant_type": "password", "password": PASSWORD, "scope": "read"})
    assert grant.scopes == frozenset({"read"}) and grant.refresh_token
    context = await house.oauth.validator.validate(grant.access_token)
    assert (context.account_id, context.app_id, context.scopes) == (alice.id, app.id, frozenset({"read"}))
    with pytest.raises(OAuthError) as wrong:
        await house.oauth.token({**params, "grant_type": "password", "password": "nope-nope-nope"})
    assert _error(wrong) == ("invalid_grant", 400)
    with pytest.raises(OAuthError) as wider:  # more than the app may ask for
        await house.oauth.token({**params, "grant_type": "password", "password": PASSWORD, "scope": "admin:read"})
    assert wider.value.error == "invalid_scope"
    with pytest.raises(OAuthError) as unsupported:
        await house.oauth.token({**params, "grant_type": "implicit"})
    assert unsupported.value.error == "unsupported_grant_type"


async def test_client_credentials_have_no_account_and_no_refresh(house: House) -> None:
    app = await _app(house)
    grant = await house.oauth.token(
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret}
    )
    assert grant.refresh_token is None
    assert (await house.oauth.validator.validate(grant.access_token)).account_id is None


async def test_authorization_code_with_pkce_is_single_use(house: House) -> None:
    app, alice = await _app(house), await house.user("alice")
    verifier = "a-verifier-that-is-long-enough-to-count-0123456789"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    scopes = house.oauth.check_authorization_request(app, REDIRECT, "read", "S256")
    code = await house.oauth.create_code(app, alice, scopes, REDIRECT, challenge, "S256")
    params = {"grant_type": "authorization_code", "client_id": app.client_id, "code": code}
    with pytest.raises(OAuthError) as mismatch:
        await house.oauth.token({**params, "code_verifier": "another-verifier-entirely-0123456789"})
    assert mismatch.value.error == "invalid_grant"
    code = await house.oauth.create_code(app, alice, scopes, REDIRECT, challenge, "S256")  # taken above
    params["code"] = code
    grant = await house.oauth.token({**params, "code_verifier": verifier})  # a public client: no secret
    assert (await house.oauth.validator.validate(grant.access_token)).account_id == alice.id
    with pytest.raises(OAuthError):  # a code works once
        await house.oauth.token({**params, "code_verifier": verifier})
    with pytest.raises(OAuthError) as redirect:
        house.oauth.check_authorization_request(app, "https://evil.example/", "read", None)
    assert redirect.value.error == "invalid_redirect_uri"


async def test_refresh_rotates_and_revocation_stops_the_token(house: House) -> None:
    app, _ = await _app(house), await house.user("alice")
    client = {"client_id": app.client_id, "client_secret": app.client_secret}
    first = await house.oauth.token({**client, "grant_type": "password", "username": "alice", "password": PASSWORD})
    assert first.refresh_token is not None
    second = await house.oauth.token({**client, "grant_type": "refresh_token", "refresh_token": first.refresh_token})
    with pytest.raises(InvalidToken):  # the old pair stops working
        await house.oauth.validator.validate(first.access_token)
    with pytest.raises(OAuthError):
        await house.oauth.token({**client, "grant_type": "refresh_token", "refresh_token": first.refresh_token})
    other = await _app(house)
    with pytest.raises(OAuthError) as foreign:
        await house.oauth.revoke(second.access_token, other.client_id, other.client_secret)
    assert _error(foreign) == ("unauthorized_client", 403)
    await house.oauth.revoke("not-a-token-at-all", app.client_id, app.client_secret)  # unknown: fine
    await house.oauth.revoke(second.access_token, app.client_id, app.client_secret)
    with pytest.raises(InvalidToken):
        await house.oauth.validator.validate(second.access_token)


async def test_a_suspended_account_loses_its_tokens_at_once(house: House) -> None:
    app, alice = await _app(house), await house.user("alice")
    client = {"client_id": app.client_id, "client_secret": app.client_secret}
    grant = await house.oauth.token({**client, "grant_type": "password", "username": "alice", "password": PASSWORD})
    assert (await house.oauth.validator.validate(grant.access_token)).account_id == alice.id
    await house.accounts.moderate(alice.id, suspended=True)
    with pytest.raises(AccountDisabled):
        await house.oauth.validator.validate(grant.access_token)
