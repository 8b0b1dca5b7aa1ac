"""Access tokens: the embedded issuer signs RS256 JWTs; the validator checks any issuer's tokens.

The validator treats the embedded issuer exactly like Keycloak: it reads the issuer's JWKS
document (through the JwksSource port), looks the key up by ``kid``, accepts RS256 only, and
checks ``iss``, ``aud``, ``exp``, ``nbf`` and ``iat``. Verified tokens are cached by their string
until they expire; revoked token ids are kept in an in-process deny list, so a revocation takes
effect on the next request without a database read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import jwt

from rookery.workloads.domain import errors
from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.metrics import count_lookup
from rookery.workloads.ports.accounts import JwksSource, SigningKeys
from rookery.workloads.ports.edge import Realtime

ALGORITHMS = ["RS256"]
REVOCATIONS_CHANNEL = "auth.revocations"  # on the Realtime port: every replica's deny list
log = logging.getLogger("rookery.tokens")
# maps the verified claims of an external issuer's token (non-numeric ``sub``) to a local account
SubjectResolver = Callable[[dict[str, Any]], Awaitable[int | None]]
# an external issuer's token issued through our /oauth/token (Keycloak mode): its recorded
# (account id, app id, Mastodon scopes), or None for a token the issuer minted on its own
GrantResolver = Callable[[dict[str, Any]], Awaitable[tuple[int | None, int | None, frozenset[str]] | None]]


class InvalidToken(errors.Unauthorized):
    """The bearer token is malformed, forged, expired, revoked or from another issuer."""


class AccountDisabled(errors.Forbidden, InvalidToken):
    """The token is genuine but its account is suspended (403, not 401)."""


# whether a local account may act (not suspended); called once per new token
AccountGate = Callable[[int], Awaitable[bool]]
SUSPENSIONS_CHANNEL = "auth.suspensions"  # "+<account id>" / "-<account id>"


class SuspendedAccounts:
    """The accounts whose tokens are refused on this replica. Shared by the validator and the
    suspension fan-out (created first, so neither needs the other)."""

    def __init__(self) -> None:
        self._ids: set[int] = set()

    def set(self, account_id: int, suspended: bool) -> None:
        if suspended:
            self._ids.add(account_id)
        else:
            self._ids.discard(account_id)

    def add(self, account_id: int) -> None:
        self._ids.add(account_id)

    def __contains__(self, account_id: object) -> bool:
        return account_id in self._ids


class SuspensionFanout:
    """Told by the accounts service when an account is suspended or reinstated: locks the account's
    tokens out on this replica at once, and on the others through the Realtime port (their
    validators listen on SUSPENSIONS_CHANNEL)."""

    def __init__(self, suspended: SuspendedAccounts, realtime: Realtime | None) -> None:
        self._suspended = suspended
        self._realtime = realtime

    async def __call__(self, account_id: int, suspended: bool) -> None:
        self._suspended.set(account_id, suspended)
        if self._realtime is not None:
            await self._realtime.publish(SUSPENSIONS_CHANNEL, f"{'+' if suspended else '-'}{account_id}".encode())


class TokenIssuer:
    def __init__(self, keys: SigningKeys, issuer: str, audience: str) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience

    def sign(
        self,
        *,
        jti: str,
        account_id: int | None,
        app_id: int | None,
        client_id: str | None,
        scopes: frozenset[str],
        issued_at: int,
        expires_at: int,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(account_id) if account_id is not None else f"app:{app_id}",
            "scope": " ".join(sorted(scopes)),
            "jti": jti,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires_at,
        }
        if client_id is not None:
            claims["azp"] = client_id
        if app_id is not None:
            claims["app_id"] = app_id
        return jwt.encode(
            claims, self.keys.private_key_pem(), algorithm="RS256", headers={"kid": self.keys.kid}
        )


class TokenValidator:
    def __init__(
        self,
        jwks: JwksSource,
        *,
        issuer: str,
        audience: str,
        leeway_s: float = 30.0,
        cache_size: int = 100_000,
        refresh_interval_s: float = 30.0,
        suspended: SuspendedAccounts | None = None,
        account_gate: AccountGate | None = None,
        subject_resolver: SubjectResolver | None = None,
        grant_resolver: GrantResolver | None = None,
    ) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.leeway_s = leeway_s
        self.cache_size = cache_size
        self.refresh_interval_s = refresh_interval_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._cache: OrderedDict[str, AuthContext] = OrderedDict()
        self._revoked: set[str] = set()
        self.subject_resolver = subject_resolver
        self.grant_resolver = grant_resolver
        self.account_gate = account_gate
        self._suspended = suspended if suspended is not None else SuspendedAccounts()

    # -- revocation ----------------------------------------------------------------------------

    def revoke_locally(self, jti: str) -> None:
        self._revoked.add(jti)

    def load_revoked(self, jtis: list[str]) -> None:
        self._revoked.update(jtis)

    def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked

    def set_suspended(self, account_id: int, suspended: bool) -> None:
        self._suspended.set(account_id, suspended)

    async def watch_revocations(self, realtime: Realtime) -> None:
        """Add the token ids other replicas revoke to this one's deny list; runs until cancelled."""
        while True:
            try:
                async for channel, message in realtime.subscribe([REVOCATIONS_CHANNEL, SUSPENSIONS_CHANNEL]):
                    text = message.decode()
                    if channel == SUSPENSIONS_CHANNEL and text[1:].isascii() and text[1:].isdigit():
                        self.set_suspended(int(text[1:]), text[0] == "+")
                    elif channel == REVOCATIONS_CHANNEL:
                        self._revoked.add(text)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the pub/sub server went away: resubscribe shortly
                log.warning("revocation feed interrupted: %r", exc)
                await asyncio.sleep(1.0)

    # -- validation ----------------------------------------------------------------------------

    def kept(self, token: str) -> AuthContext | None:
        """A token validated before, without awaiting anything: its context while it is still good
        (InvalidToken once it expired or was revoked, AccountDisabled while its account is
        suspended); None when it is not kept (``validate`` verifies it)."""
        cached = self._cache.get(token)
        count_lookup("tokens", "memory", hit=cached is not None)
        if cached is None:
            return None
        if cached.expires_at + self.leeway_s > time.time() and cached.token_id not in self._revoked:
            if cached.account_id in self._suspended:
                raise AccountDisabled("account suspended")
            return cached
        self._cache.pop(token, None)
        raise InvalidToken("token expired or revoked")

    async def validate(self, token: str) -> AuthContext:
        return self.kept(token) or await self.verified(token)

    async def verified(self, token: str) -> AuthContext:
        """A token not kept: verified (signature, issuer, expiry, revocation, the account), then kept."""
        context = await self._verify(token)
        if context.token_id in self._revoked:
            raise InvalidToken("token revoked")
        if context.account_id is not None:
            if self.account_gate is not None and not await self.account_gate(context.account_id):
                self._suspended.add(context.account_id)
            if context.account_id in self._suspended:
                raise AccountDisabled("account suspended")
        self._cache[token] = context
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return context

    async def claims(self, token: str, *, verify_exp: bool = True) -> dict[str, Any]:
        """Verified claims (signature, issuer, audience; expiry unless told otherwise)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed token: {exc}") from exc
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "jti"], "verify_exp": verify_exp},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return claims

    async def _verify(self, token: str) -> AuthContext:
        claims = await self.claims(token)
        subject = str(claims.get("sub", ""))
        app_id = claims.get("app_id")
        scope = claims.get("scope", "")
        if not isinstance(scope, str) or (app_id is not None and not isinstance(app_id, int)):
            raise InvalidToken("malformed claims")
        grant = await self.grant_resolver(claims) if self.grant_resolver is not None else None
        if grant is not None:
            account_id, app_id, granted = grant
            return AuthContext(
                account_id=account_id,
                app_id=app_id,
                scopes=granted,
                token_id=str(claims["jti"]),
                expires_at=float(claims["exp"]),
            )
        account_id = int(subject) if subject.isascii() and subject.isdigit() else None
        if account_id is None and self.subject_resolver is not None and not subject.startswith("app:"):
            account_id = await self.subject_resolver(claims)
        return AuthContext(
            account_id=account_id,
            app_id=app_id,
            scopes=frozenset(scope.split()),
            token_id=str(claims["jti"]),
            expires_at=float(claims["exp"]),
        )

    async def _key(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._fetched_at >= self.refresh_interval_s:
            await self.refresh()
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    async def refresh(self) -> None:
        document = await self.jwks.fetch()
        self._fetched_at = time.monotonic()
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []):
            if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig" or "kid" not in entry:
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWTError:
                continue
        self._keys = keys
