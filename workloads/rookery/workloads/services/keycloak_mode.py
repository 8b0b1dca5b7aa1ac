"""Keycloak mode (ROOKERY_OIDC_ISSUER + ROOKERY_OIDC_CLIENT_ID): Keycloak authenticates, Rookery
keeps authorising Mastodon apps, so Mastodon clients work unchanged.

- Registration (POST /api/v1/accounts) creates the user in Keycloak through its admin API, then
  the local account, linked to the Keycloak user by ``sub`` (its id), then answers with a token.
- POST /oauth/token is served by Keycloak's token endpoint: the Mastodon app is authenticated
  locally (its client_id / client_secret, its registered scopes), the grant (password,
  refresh_token, authorization_code, client_credentials) is forwarded as the gateway's client, and
  Keycloak's answer is reshaped into Mastodon's token response. The grant is recorded by the
  token's ``jti`` (app, account, Mastodon scopes, refresh-token digest), so the gateway knows which
  app and scopes a Keycloak token carries; tokens minted by Keycloak directly (no record) carry the
  scopes in their own ``scope`` claim.
- A valid Keycloak token whose ``sub`` is unknown gets a local account on first sight, named by its
  ``preferred_username`` (e-mail from ``email``); a local account bound to another ``sub`` is never
  handed to it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rookery.workloads.adapters.keycloak.client import KeycloakClient, UserExists, UserRejected
from rookery.workloads.domain.accounts import (
    EXTERNAL_SUBJECT_MARK,
    Account,
    AccountTaken,
    InvalidAccount,
    external_subject_mark,
    validate_email,
    validate_password,
    validate_username,
)
from rookery.workloads.domain.oauth import (
    OAuthApp,
    OAuthError,
    TokenRecord,
    parse_scopes,
    scopes_within,
    secret_digest,
)
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.ids import new_id
from rookery.workloads.ports.accounts import AccountRepository, OAuthStore
from rookery.workloads.services.oauth import INVALID_GRANT, OAuthService
from rookery.workloads.services.tokens import InvalidToken, TokenValidator

# password_hash of a Keycloak-linked account: never verifies locally
SUBJECT_MARK, subject_mark = EXTERNAL_SUBJECT_MARK, external_subject_mark


class KeycloakMode:
    def __init__(
        self,
        keycloak: KeycloakClient,
        oauth: OAuthService,
        accounts: AccountRepository,
        store: OAuthStore,
        validator: TokenValidator,
        local_domain: str,
        subject_accounts: Callable[[dict[str, Any]], Awaitable[int | None]],
    ) -> None:
        self.keycloak = keycloak
        self.oauth = oauth
        self.accounts = accounts
        self.store = store
        self.validator = validator
        self.local_domain = local_domain
        self.subject_accounts = subject_accounts

    # -- registration -----------------------------------------------------------------------------

    async def register(
        self, app: OAuthApp, username: str, email: str, password: str, scopes: frozenset[str]
    ) -> tuple[Account, dict[str, Any]]:
        validate_username(username)
        email = validate_email(email)
        validate_password(password)
        if await self.accounts.by_username(username) is not None:
            raise AccountTaken("Username has already been taken")
        if await self.accounts.by_email(email.lower()) is not None:
            raise AccountTaken("E-mail has already been taken")
        try:
            sub = await self.keycloak.create_user(username, email, password)
        except UserExists as exc:
            raise AccountTaken(str(exc)) from None
        except UserRejected as exc:
            raise InvalidAccount(str(exc)) from None
        account = Account(
            id=new_id(),
            username=username,
            email=email,
            password_hash=subject_mark(sub),
            created_at=dt.datetime.now(dt.UTC),
        )
        try:
            await self.accounts.create(account)
        except AccountTaken:
            await self.keycloak.delete_user(sub)  # lost a race for the name: undo the Keycloak user
            raise
        status, body = await self.keycloak.token(
            {"grant_type": "password", "username": username, "password": password}
        )
        try:
            if status != 200:
                raise OAuthError("server_error", _description(body), 503)
            return account, await self._record(app, scopes, body)
        except OAuthError as exc:  # the user exists now; only the first token failed
            raise StoreUnavailable(
                f"keycloak: the new user's first token failed: {exc.description}"
            ) from None

    # -- the token endpoint -----------------------------------------------------------------------

    async def token(self, params: dict[str, str]) -> dict[str, Any]:
        grant_type = params.get("grant_type", "")
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if grant_type == "password":
            app = await self.oauth.authenticate_client(client_id, client_secret)
            scopes = self._scopes(app, params.get("scope"))
            form = {"grant_type": "password", "username": params.get("username", ""),
                    "password": params.get("password", "")}  # fmt: skip
            return await self._forward(app, scopes, form)
        if grant_type == "authorization_code":
            app = await self.oauth.client(client_id)
            if not params.get("code_verifier"):  # public clients use PKCE instead of the secret
                app = await self.oauth.authenticate_client(client_id, client_secret)
            form = {key: params[key] for key in ("code", "redirect_uri", "code_verifier") if params.get(key)}
            return await self._forward(
                app, self._scopes(app, params.get("scope")), {"grant_type": grant_type, **form}
            )
        if grant_type == "refresh_token":
            app = await self.oauth.authenticate_client(client_id, client_secret)
            refresh = params.get("refresh_token", "")
            record = await self.store.token_by_refresh(secret_digest(refresh))
            if record is None or record.app_id != app.id or record.revoked_at is not None:
                raise OAuthError("invalid_grant", INVALID_GRANT)
            scopes = parse_scopes(params.get("scope"), default=record.scopes)
            if not scopes_within(scopes, record.scopes):
                raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
            body = await self._forward(app, scopes, {"grant_type": grant_type, "refresh_token": refresh})
            await self.oauth.revoke_token_id(record.jti)  # refresh tokens rotate, as in embedded mode
            return body
        if grant_type == "client_credentials":
            app = await self.oauth.authenticate_client(client_id, client_secret)
            return await self._forward(
                app, self._scopes(app, params.get("scope")), {"grant_type": grant_type}, user=False
            )
        raise OAuthError("unsupported_grant_type", "The authorization grant type is not supported.")

    @staticmethod
    def _scopes(app: OAuthApp, scope: str | None) -> frozenset[str]:
        scopes = parse_scopes(scope, default=app.scopes)
        if not scopes_within(scopes, app.scopes):
            raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        return scopes

    async def _forward(
        self, app: OAuthApp, scopes: frozenset[str], form: dict[str, str], *, user: bool = True
    ) -> dict[str, Any]:
        status, body = await self.keycloak.token(form)
        if status != 200 or "access_token" not in body:
            error = str(body.get("error") or "invalid_grant")
            if error in ("invalid_client", "unauthorized_client"):  # the gateway's own client: ours to fix
                raise OAuthError("server_error", "The identity provider refused the gateway client", 503)
            raise OAuthError(error if error != "invalid_request" else "invalid_grant", _description(body))
        return await self._record(app, scopes, body, user=user)

    async def _record(
        self, app: OAuthApp, scopes: frozenset[str], body: dict[str, Any], *, user: bool = True
    ) -> dict[str, Any]:
        """Remember what the Keycloak token grants (app, account, Mastodon scopes); Mastodon's answer."""
        access = str(body["access_token"])
        try:
            claims = await self.validator.claims(access)
        except InvalidToken as exc:  # e.g. the gateway client lacks the audience mapper
            raise OAuthError(
                "server_error", f"Keycloak issued a token this gateway rejects: {exc}", 503
            ) from None
        account_id = await self.account_for(claims) if user else None
        if user and account_id is None:
            raise OAuthError("invalid_grant", INVALID_GRANT)
        now = dt.datetime.now(dt.UTC)
        refresh = body.get("refresh_token") if user else None
        refresh_s = int(body.get("refresh_expires_in") or 0)
        await self.store.save_token(
            TokenRecord(
                jti=str(claims["jti"]),
                app_id=app.id,
                account_id=account_id,
                scopes=scopes,
                created_at=now,
                expires_at=dt.datetime.fromtimestamp(float(claims["exp"]), dt.UTC),
                refresh_digest=secret_digest(str(refresh)) if refresh else None,
                # Keycloak: 0 = the refresh token lives as long as the session
                refresh_expires_at=now + dt.timedelta(seconds=refresh_s or 86400 * 30) if refresh else None,
            )
        )
        answer: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "scope": " ".join(sorted(scopes)),
            "created_at": int(time.time()),
            "expires_in": int(body.get("expires_in") or max(0, int(claims["exp"] - time.time()))),
        }
        if refresh:
            answer["refresh_token"] = str(refresh)
        return answer

    # -- hooks of the token validator ---------------------------------------------------------------

    async def grant(self, claims: dict[str, Any]) -> tuple[int | None, int | None, frozenset[str]] | None:
        """(account, app, Mastodon scopes) of a token issued through /oauth/token, else None."""
        return await RecordedGrants(self.store)(claims)

    async def account_for(self, claims: dict[str, Any]) -> int | None:
        """The local account linked to the token's ``sub``; created on first sight (the accounts
        role's rule for any external issuer)."""
        return await self.subject_accounts(claims)


class RecordedGrants:
    """The token validator's grant hook in Keycloak mode: (account, app, Mastodon scopes) of a token
    issued through our /oauth/token (its record in the OAuth store), else None. Needs only the
    store, so the validator is built before the KeycloakMode that uses it."""

    def __init__(self, store: OAuthStore) -> None:
        self.store = store

    async def __call__(self, claims: dict[str, Any]) -> tuple[int | None, int | None, frozenset[str]] | None:
        record = await self.store.token(str(claims.get("jti", "")))
        if record is None:
            return None
        return record.account_id, record.app_id, record.scopes


def _description(body: dict[str, Any]) -> str:
    return str(
        body.get("error_description") or body.get("error") or "The identity provider refused the grant"
    )
