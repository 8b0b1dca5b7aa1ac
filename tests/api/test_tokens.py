"""Bearer tokens are validated through the issuer's JWKS: every forgery gets 401, every missing
scope 403, and a rejected request changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from api_support import Api, User
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

INVALID = {"error": "The access token is invalid"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(api: Api, user: User, **changes: Any) -> dict[str, Any]:
    claims = jwt.decode(user.token, options={"verify_signature": False})
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def sign(api: Api, claims: dict[str, Any], **headers: Any) -> str:
    keys = api.container.infra.signing_keys
    return jwt.encode(claims, keys.private_key_pem(), algorithm="RS256", headers={"kid": keys.kid, **headers})


async def assert_rejected(api: Api, token: str, user: User) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status_code == 401 and me.json() == INVALID
    assert "invalid_token" in me.headers["www-authenticate"]
    update = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=headers, data={"note": "pwned"}
    )
    assert update.status_code == 401
    # a token that is sent must be valid even on public endpoints
    public = await api.client.get(f"/api/v1/accounts/{user.id}", headers=headers)
    assert public.status_code == 401
    account = await api.container.accounts.service.get(user.account_id)
    assert account is not None and account.note == ""


@pytest.fixture
async def alice(api: Api) -> User:
    return await api.make_user("alice")


async def test_a_correctly_signed_token_is_accepted(api: Api, alice: User) -> None:
    token = sign(api, claims_of(api, alice))
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": int(time.time()) - 3600},
        {"nbf": int(time.time()) + 3600},
        {"iss": "https://evil.example"},
        {"aud": "someone-else"},
        {"exp": None},
        {"jti": None},
        {"iss": None},
        {"scope": ["read"]},
        {"app_id": "1"},
    ],
    ids=[
        "expired",
        "not-yet-valid",
        "wrong-issuer",
        "wrong-audience",
        "no-exp",
        "no-jti",
        "no-iss",
        "bad-scope",
        "bad-app",
    ],
)
async def test_bad_claims_are_rejected(api: Api, alice: User, changes: dict[str, Any]) -> None:
    await assert_rejected(api, sign(api, claims_of(api, alice, **changes)), alice)


async def test_alg_none_is_rejected(api: Api, alice: User) -> None:
    header = b64(
        json.dumps({"alg": "none", "typ": "JWT", "kid": api.container.infra.signing_keys.kid}).encode()
    )
    payload = b64(json.dumps(claims_of(api, alice)).encode())
    for token in (f"{header}.{payload}.", f"{header}.{payload}"):
        await assert_rejected(api, token, alice)


async def test_hs256_signed_with_the_public_key_is_rejected(api: Api, alice: User) -> None:
    keys = api.container.infra.signing_keys
    public_pem = (
        serialization.load_pem_private_key(keys.private_key_pem(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": keys.kid}).encode())
    payload = b64(json.dumps(claims_of(api, alice)).encode())
    signature = b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    await assert_rejected(api, f"{header}.{payload}.{signature}", alice)


async def test_tampered_tokens_are_rejected(api: Api, alice: User) -> None:
    header, payload, signature = alice.token.split(".")
    other = await api.make_user("mallory")
    forged_payload = other.token.split(".")[1]
    await assert_rejected(api, f"{header}.{forged_payload}.{signature}", alice)
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    await assert_rejected(api, f"{header}.{payload}.{flipped}", alice)
    await assert_rejected(api, "not-a-jwt", alice)
    await assert_rejected(api, f"{header}.{payload}", alice)


async def test_foreign_keys_and_unknown_kids_are_rejected(api: Api, alice: User) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    claims = claims_of(api, alice)
    kid = api.container.infra.signing_keys.kid
    await assert_rejected(api, jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid}), alice)
    await assert_rejected(api, jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "other"}), alice)
    await assert_rejected(api, jwt.encode(claims, pem, algorithm="RS256"), alice)


async def test_revocation_takes_effect_on_the_next_request(api: Api, alice: User) -> None:
    assert (
        await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).status_code == 200
    ctx = await api.container.tokens.validate(alice.token)
    await api.container.accounts.oauth.revoke_token_id(ctx.token_id)
    # [split]: the accounts app revoked it; the gateway, which cached it, hears so over pub/sub
    await api.once_fanned_out(
        "GET", "/api/v1/accounts/verify_credentials", lambda r: r.status_code == 401, headers=alice.headers
    )
    await assert_rejected(api, alice.token, alice)


async def test_missing_or_malformed_authorization_header(api: Api, alice: User) -> None:
    for value in ("", "Bearer", "Bearer ", "Basic abc", f"Token {alice.token}"):
        response = await api.client.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": value}
        )
        assert response.status_code == 401 and response.json() == INVALID, value
    lower = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"bearer {alice.token}"}
    )
    assert lower.status_code == 200


async def test_scopes_are_enforced_with_mastodon_semantics(api: Api) -> None:
    granular = await api.make_user("reader", scopes="read:accounts")
    assert (
        await api.client.get("/api/v1/accounts/verify_credentials", headers=granular.headers)
    ).status_code == 200
    denied = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=granular.headers, data={"display_name": "changed"}
    )
    assert denied.status_code == 403
    assert denied.json() == {"error": "This action is outside the authorized scopes"}
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=granular.headers)
    assert me.json()["display_name"] == ""
    statuses_only = await api.make_user("poster", scopes="read:statuses write:statuses")
    response = await api.client.get("/api/v1/accounts/verify_credentials", headers=statuses_only.headers)
    assert response.status_code == 403
    profile = await api.make_user("profiled", scopes="profile")
    assert (
        await api.client.get("/api/v1/accounts/verify_credentials", headers=profile.headers)
    ).status_code == 200
    writer = await api.make_user("writer", scopes="write")
    ok = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=writer.headers, data={"display_name": "W"}
    )
    assert ok.status_code == 200


async def test_access_token_query_parameter(api: Api, alice: User) -> None:
    ok = await api.client.get("/api/v1/accounts/verify_credentials", params={"access_token": alice.token})
    assert ok.status_code == 200 and ok.json()["id"] == alice.id
    bad = await api.client.get("/api/v1/accounts/verify_credentials", params={"access_token": "forged"})
    assert bad.status_code == 401
    # the header wins over the query parameter
    both = await api.client.get(
        "/api/v1/accounts/verify_credentials",
        params={"access_token": alice.token},
        headers={"Authorization": "Bearer x"},
    )
    assert both.status_code == 401


async def test_websocket_auth_reads_mastodon_streaming_tokens(api: Api, alice: User) -> None:
    from starlette.websockets import WebSocket

    from rookery.workloads.api.deps import websocket_auth
    from rookery.workloads.api.errors import ApiError

    def socket(headers: list[tuple[bytes, bytes]], query: bytes = b"") -> WebSocket:
        scope = {
            "type": "websocket",
            "app": api.app,
            "path": "/api/v1/streaming",
            "headers": headers,
            "query_string": query,
        }

        async def never() -> dict[str, str]:
            raise AssertionError("not used")

        return WebSocket(scope, never, never)  # type: ignore[arg-type]

    token = alice.token.encode()
    for ws in (
        socket([(b"authorization", b"Bearer " + token)]),
        socket([], b"stream=user&access_token=" + token),
        socket([(b"sec-websocket-protocol", token)]),
    ):
        ctx = await websocket_auth(ws, "read:statuses")
        assert ctx is not None and ctx.account_id == alice.account_id
    assert await websocket_auth(socket([]), "read") is None
    with pytest.raises(ApiError) as invalid:
        await websocket_auth(socket([], b"access_token=forged"), "read")
    assert invalid.value.status == 401
    limited = await api.make_user("limited", scopes="write:statuses")
    with pytest.raises(ApiError) as outside:
        await websocket_auth(
            socket([(b"authorization", b"Bearer " + limited.token.encode())]), "read:statuses"
        )
    assert outside.value.status == 403
