"""OAuth use cases: app registration, authorization codes, the token endpoint's grants, revocation.

Access tokens are RS256 JWTs signed by the embedded issuer (services/tokens.py); only their
metadata (jti, app, account, scopes, expiry, revocation, refresh-token digest) is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.oauth import (
    OOB_REDIRECT,
    AppRejected,
    AuthorizationCode,
    AuthorizationRejected,
    OAuthApp,
    OAuthError,
    TokenRecord,
    parse_scopes,
    pkce_matches,
    scopes_within,
    secret_digest,
)
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.ids import new_id
from rookery.workloads.ports.accounts import OAuthStore
from rookery.workloads.ports.edge import Realtime
from rookery.workloads.services.accounts import AccountsService
from rookery.workloads.services.tokens import REVOCATIONS_CHANNEL, InvalidToken, TokenIssuer, TokenValidator

INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI"
    " used in the authorization request, or was issued to another client."
)
CODE_TTL = dt.timedelta(minutes=10)
APPS_KEPT = 4096  # registered apps each process keeps (the oldest read first out)
log = logging.getLogger("rookery.oauth")


@dataclasses.dataclass(frozen=True)
class TokenLifetimes:
    access_s: int = 30 * 86400
    refresh_s: int = 180 * 86400


@dataclasses.dataclass(frozen=True)
class TokenGrant:
    access_token: str
    scopes: frozenset[str]
    created_at: int
    expires_in: int
    refresh_token: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "scope": " ".join(sorted(self.scopes)),
            "created_at": self.created_at,
            "expires_in": self.expires_in,
        }
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return body


UNKNOWN_CLIENT = "Client authentication failed due to unknown client"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_redirect_uris(value: str | list[str] | None) -> tuple[str, ...]:
    items = value if isinstance(value, list) else (value or "").split()
    uris = tuple(dict.fromkeys(u.strip() for u in items if u.strip()))
    if not uris:
        raise AppRejected("redirect_uris can't be blank", "invalid_redirect_uri")
    for uri in uris:
        parts = urlsplit(uri)
        if uri != OOB_REDIRECT and (not parts.scheme or parts.fragment or len(uri) > 2000):
            raise AppRejected(f"redirect_uris must be absolute URIs: {uri[:100]}", "invalid_redirect_uri")
    return uris


class OAuthService:
    def __init__(
        self,
        store: OAuthStore,
        accounts: AccountsService,
        issuer: TokenIssuer,
        validator: TokenValidator,
        lifetimes: TokenLifetimes,
        *,
        realtime: Realtime | None = None,
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.issuer = issuer
        self.validator = validator
        self.lifetimes = lifetimes
        self.realtime = realtime  # the other replicas' deny lists
        self._apps: dict[int, OAuthApp] = {}

    async def load_revocations(self) -> None:
        self.validator.load_revoked(await self.store.revoked_since(_now()))

    # -- apps ----------------------------------------------------------------------------------

    async def register_app(
        self, name: str, redirect_uris: str | list[str] | None, scopes: str | None, website: str | None
    ) -> OAuthApp:
        name = (name or "").strip()
        if not name:
            raise AppRejected("client_name can't be blank")
        if len(name) > 255:
            raise AppRejected("client_name is too long (maximum is 255 characters)")
        if website and (len(website) > 2000 or not urlsplit(website).scheme):
            raise AppRejected("website must be an absolute URL")
        uris = parse_redirect_uris(redirect_uris)
        try:
            granted = parse_scopes(scopes)
        except OAuthError as exc:  # the token endpoint answers it RFC 6749's way; an app is a 422
            raise AppRejected(exc.description, exc.error) from None
        app = OAuthApp(
            id=new_id(),
            name=name,
            client_id=secrets.token_urlsafe(32),
            client_secret=secrets.token_urlsafe(32),
            redirect_uris=uris,
            scopes=granted,
            website=website or None,
            created_at=_now(),
        )
        await self.store.create_app(app)
        return app

    async def app(self, app_id: int) -> OAuthApp | None:
        """Apps are never changed nor deleted once registered: kept in this process after the first
        read (compose names its app on every post)."""
        found = self._apps.get(app_id)
        if found is None:
            found = await self.store.app(app_id)
            if found is not None:
                if len(self._apps) >= APPS_KEPT:
                    self._apps.pop(next(iter(self._apps)))
                self._apps[app_id] = found
        return found

    async def client(self, client_id: str | None) -> OAuthApp:
        app = await self.store.app_by_client_id(client_id) if client_id else None
        if app is None:
            raise OAuthError("invalid_client", UNKNOWN_CLIENT, 401)
        return app

    async def authenticate_client(self, client_id: str | None, client_secret: str | None) -> OAuthApp:
        app = await self.client(client_id)
        if not client_secret or not secrets.compare_digest(app.client_secret, client_secret):
            raise OAuthError("invalid_client", "Client authentication failed due to invalid credentials", 401)
        return app

    # -- authorization codes -------------------------------------------------------------------

    def check_authorization_request(
        self, app: OAuthApp, redirect_uri: str, scope: str | None, method: str | None
    ) -> frozenset[str]:
        """The scopes a login-page request gets; AuthorizationRejected (400) says what is wrong."""
        if not app.accepts_redirect(redirect_uri):
            raise AuthorizationRejected("invalid_redirect_uri", "The redirect uri included is not valid.")
        try:
            scopes = parse_scopes(scope, default=app.scopes)
        except OAuthError as exc:
            raise AuthorizationRejected(exc.error, exc.description) from None
        if not scopes_within(scopes, app.scopes):
            raise AuthorizationRejected("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        if method not in (None, "", "S256", "plain"):
            raise AuthorizationRejected("invalid_request", "code_challenge_method must be S256 or plain")
        return scopes

    async def authorization_request(
        self, client_id: str | None, redirect_uri: str, scope: str | None, method: str | None
    ) -> tuple[OAuthApp, frozenset[str]]:
        """The app and scopes of a login-page request (an unknown app is a 400 there, too)."""
        app = await self.store.app_by_client_id(client_id) if client_id else None
        if app is None:
            raise AuthorizationRejected("invalid_client", UNKNOWN_CLIENT)
        return app, self.check_authorization_request(app, redirect_uri, scope, method)

    async def create_code(
        self,
        app: OAuthApp,
        account: Account,
        scopes: frozenset[str],
        redirect_uri: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        code = secrets.token_urlsafe(32)
        await self.store.save_code(
            AuthorizationCode(
                digest=secret_digest(code),
                app_id=app.id,
                account_id=account.id,
                scopes=scopes,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge or None,
                code_challenge_method=(code_challenge_method or "plain") if code_challenge else None,
                expires_at=_now() + CODE_TTL,
            )
        )
        return code

    # -- the token endpoint --------------------------------------------------------------------

    async def token(self, params: dict[str, str]) -> TokenGrant:
        grant_type = params.get("grant_type", "")
        if grant_type == "authorization_code":
            return await self._authorization_code(params)
        if grant_type == "password":
            return await self._password(params)
        if grant_type == "client_credentials":
            app = await self.authenticate_client(params.get("client_id"), params.get("client_secret"))
            return await self.issue(
                app, None, self._requested_scopes(app, params.get("scope")), refresh=False
            )
        if grant_type == "refresh_token":
            return await self._refresh(params)
        raise OAuthError("unsupported_grant_type", "The authorization grant type is not supported.")

    def _requested_scopes(self, app: OAuthApp, scope: str | None) -> frozenset[str]:
        scopes = parse_scopes(scope, default=app.scopes)
        if not scopes_within(scopes, app.scopes):
            raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        return scopes

    async def _authorization_code(self, params: dict[str, str]) -> TokenGrant:
        app = await self.client(params.get("client_id"))
        verifier = params.get("code_verifier")
        if not verifier:  # public clients use PKCE instead of the secret
            app = await self.authenticate_client(params.get("client_id"), params.get("client_secret"))
        code = await self.store.take_code(secret_digest(params.get("code", "")))
        if code is None or code.app_id != app.id or code.expires_at < _now():
            raise OAuthError("invalid_grant", INVALID_GRANT)
        if params.get("redirect_uri", code.redirect_uri) != code.redirect_uri:
            raise OAuthError("invalid_grant", INVALID_GRANT)
        if code.code_challenge and not (
            verifier and pkce_matches(verifier, code.code_challenge, code.code_challenge_method or "plain")
        ):
            raise OAuthError("invalid_grant", "The code verifier does not match the code challenge.")
        if not code.code_challenge and verifier:
            raise OAuthError("invalid_grant", "A code verifier was sent but the code has no challenge.")
        account = await self.accounts.get(code.account_id)
        if account is None or account.suspended:
            raise OAuthError("invalid_grant", INVALID_GRANT)
        return await self.issue(app, account.id, code.scopes)

    async def _password(self, params: dict[str, str]) -> TokenGrant:
        app = await self.authenticate_client(params.get("client_id"), params.get("client_secret"))
        scopes = self._requested_scopes(app, params.get("scope"))
        account = await self.accounts.authenticate(params.get("username", ""), params.get("password", ""))
        if account is None:
            raise OAuthError("invalid_grant", INVALID_GRANT)
        return await self.issue(app, account.id, scopes)

    async def _refresh(self, params: dict[str, str]) -> TokenGrant:
        app = await self.authenticate_client(params.get("client_id"), params.get("client_secret"))
        record = await self.store.token_by_refresh(secret_digest(params.get("refresh_token", "")))
        now = _now()
        if (
            record is None
            or record.app_id != app.id
            or record.revoked_at is not None
            or record.refresh_expires_at is None
            or record.refresh_expires_at < now
        ):
            raise OAuthError("invalid_grant", INVALID_GRANT)
        scopes = parse_scopes(params.get("scope"), default=record.scopes)
        if not scopes_within(scopes, record.scopes):
            raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        await self._revoke_jti(record.jti)  # refresh tokens rotate: the old pair stops working
        return await self.issue(app, record.account_id, scopes)

    async def issue(
        self, app: OAuthApp, account_id: int | None, scopes: frozenset[str], *, refresh: bool = True
    ) -> TokenGrant:
        now = _now()
        jti = str(new_id())
        refresh_token = secrets.token_urlsafe(32) if refresh else None
        expires_at = now + dt.timedelta(seconds=self.lifetimes.access_s)
        await self.store.save_token(
            TokenRecord(
                jti=jti,
                app_id=app.id,
                account_id=account_id,
                scopes=scopes,
                created_at=now,
                expires_at=expires_at,
                refresh_digest=secret_digest(refresh_token) if refresh_token else None,
                refresh_expires_at=now + dt.timedelta(seconds=self.lifetimes.refresh_s)
                if refresh_token
                else None,
            )
        )
        issued_at = int(now.timestamp())
        access_token = self.issuer.sign(
            jti=jti,
            account_id=account_id,
            app_id=app.id,
            client_id=app.client_id,
            scopes=scopes,
            issued_at=issued_at,
            expires_at=int(expires_at.timestamp()),
        )
        return TokenGrant(access_token, scopes, issued_at, self.lifetimes.access_s, refresh_token)

    # -- revocation ----------------------------------------------------------------------------

    async def revoke(self, token: str, client_id: str | None, client_secret: str | None) -> None:
        """RFC 7009: revoking an unknown token succeeds; another client's token is refused."""
        app = await self.authenticate_client(client_id, client_secret)
        record: TokenRecord | None
        if token.count(".") == 2:
            try:
                claims = await self.validator.claims(token, verify_exp=False)
            except InvalidToken:
                return
            record = await self.store.token(str(claims["jti"]))
        else:
            record = await self.store.token_by_refresh(secret_digest(token))
        if record is None:
            return
        if record.app_id != app.id:
            raise OAuthError("unauthorized_client", "You are not authorized to revoke this token", 403)
        await self._revoke_jti(record.jti)

    async def revoke_token_id(self, jti: str) -> None:
        await self._revoke_jti(jti)

    async def _revoke_jti(self, jti: str) -> None:
        await self.store.revoke(jti, _now())
        self.validator.revoke_locally(jti)
        if self.realtime is not None:  # the other replicas' deny lists
            try:
                await self.realtime.publish(REVOCATIONS_CHANNEL, jti.encode())
            except StoreUnavailable as exc:  # stored anyway: replicas pick it up when they restart
                log.warning("could not broadcast the revocation of %s: %s", jti, exc)
