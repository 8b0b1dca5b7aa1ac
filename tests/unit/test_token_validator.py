"""TokenValidator against an in-memory JWKS: caching until exp, deny list, key refresh on unknown kid."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rookery.workloads.adapters.local.keys import LocalJwksSource, LocalSigningKeys
from rookery.workloads.services.tokens import InvalidToken, TokenIssuer, TokenValidator

ISSUER = "https://rookery.example"


class CountingJwks:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.fetches = 0

    async def fetch(self) -> dict[str, Any]:
        self.fetches += 1
        return self.document


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> LocalSigningKeys:
    return LocalSigningKeys(tmp_path_factory.mktemp("keys"))


def issue(keys: LocalSigningKeys, *, ttl: int = 600, jti: str = "1", account: int | None = 7) -> str:
    now = int(time.time())
    return TokenIssuer(keys, ISSUER, "rookery").sign(
        jti=jti, account_id=account, app_id=3, client_id="c", scopes=frozenset({"read"}),
        issued_at=now, expires_at=now + ttl,
    )  # fmt: skip


async def test_valid_token_is_verified_once_then_served_from_cache(keys: LocalSigningKeys) -> None:
    jwks = CountingJwks(keys.jwks())
    validator = TokenValidator(jwks, issuer=ISSUER, audience="rookery")
    token = issue(keys)
    ctx = await validator.validate(token)
    assert (ctx.account_id, ctx.app_id, ctx.scopes, ctx.token_id) == (7, 3, frozenset({"read"}), "1")
    assert await validator.validate(token) is ctx
    assert jwks.fetches == 1
    app_ctx = await validator.validate(issue(keys, account=None, jti="2"))
    assert app_ctx.account_id is None and app_ctx.app_id == 3


async def test_deny_list_applies_to_cached_tokens(keys: LocalSigningKeys) -> None:
    validator = TokenValidator(LocalJwksSource(keys), issuer=ISSUER, audience="rookery")
    token = issue(keys, jti="revoked-later")
    await validator.validate(token)
    validator.revoke_locally("revoked-later")
    with pytest.raises(InvalidToken):
        await validator.validate(token)


async def test_cached_token_expires(keys: LocalSigningKeys) -> None:
    validator = TokenValidator(LocalJwksSource(keys), issuer=ISSUER, audience="rookery", leeway_s=0)
    token = issue(keys, ttl=2)  # exp = int(now) + 2: at least one second left
    await validator.validate(token)
    await asyncio.sleep(2.1)
    with pytest.raises(InvalidToken):
        await validator.validate(token)


async def test_unknown_kid_refreshes_the_jwks_at_most_once_per_interval(keys: LocalSigningKeys) -> None:
    jwks = CountingJwks({"keys": []})
    validator = TokenValidator(jwks, issuer=ISSUER, audience="rookery", refresh_interval_s=60)
    token = issue(keys)
    with pytest.raises(InvalidToken):
        await validator.validate(token)
    with pytest.raises(InvalidToken):
        await validator.validate(token)
    assert jwks.fetches == 1  # a flood of unknown kids does not hammer the issuer
    rotated = TokenValidator(CountingJwks(keys.jwks()), issuer=ISSUER, audience="rookery")
    assert (await rotated.validate(token)).account_id == 7


async def test_cache_is_bounded(keys: LocalSigningKeys) -> None:
    validator = TokenValidator(LocalJwksSource(keys), issuer=ISSUER, audience="rookery", cache_size=2)
    for n in range(5):
        await validator.validate(issue(keys, jti=str(n)))
    assert len(validator._cache) == 2


async def test_retired_keys_stay_in_the_jwks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    old = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "retired").mkdir()
    pem = old.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "retired" / "2025.pem").write_bytes(pem)
    keys = LocalSigningKeys(tmp_path)
    assert len(keys.jwks()["keys"]) == 2
    old_kid = keys.jwks()["keys"][1]["kid"]
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": "rookery",
            "sub": "5",
            "scope": "read",
            "jti": "x",
            "iat": now,
            "exp": now + 60,
        },
        pem,
        algorithm="RS256",
        headers={"kid": old_kid},
    )
    validator = TokenValidator(LocalJwksSource(keys), issuer=ISSUER, audience="rookery")
    assert (await validator.validate(token)).account_id == 5
    assert LocalSigningKeys(tmp_path).kid == keys.kid  # stable across reloads
