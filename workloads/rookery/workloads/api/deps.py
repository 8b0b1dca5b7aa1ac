"""Request dependencies: who is calling, and may they.

Every route declares its access with one of these (FastAPI ``Depends``):

    ctx: AuthContext = Depends(require_scopes("read:statuses"))
        any valid token (user or app-only) holding one of the listed scopes
        (Mastodon semantics: ``read`` satisfies ``read:statuses``; ``follow`` satisfies
        ``read:follows``/``write:follows``/blocks/mutes; no scopes listed = any valid token).
    ctx: AuthContext = Depends(require_user("write:statuses"))
        same, and the token must belong to a user: ``ctx.account_id`` is set (use ``ctx.user_id``
        for an ``int``). An app-only token gets 422 "This method requires an authenticated user".
    ctx: AuthContext | None = Depends(optional_auth)
        public endpoints: None without a token; a token that is sent must still be valid.

Failures (Mastodon's bodies):
    no/invalid/expired/revoked/forged token  -> 401 {"error": "The access token is invalid"}
    token lacks every listed scope           -> 403 {"error": "This action is outside the authorized scopes"}
    app-only token on a user endpoint        -> 422 {"error": "This method requires an authenticated user"}
    token of a suspended account             -> 403 {"error": "Your login is currently disabled"}

The gateway middleware validates the bearer token once per request and leaves the outcome in
``scope["state"]["rookery.auth"]``; these dependencies reuse it (or validate themselves when the
app runs without the gateway). ``container(request)`` returns the Container.
The token comes from ``Authorization: Bearer`` or, like Mastodon, an ``access_token`` query
parameter. WebSockets (which the gateway does not see): ``await websocket_auth(ws, "read")``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import Request, WebSocket

from rookery.workloads.api.errors import ApiError
from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.services.tokens import AccountDisabled, InvalidToken, TokenValidator

if TYPE_CHECKING:
    from rookery.workloads.bootstrap import Container

__all__ = [
    "AuthContext",
    "bearer_token",
    "container",
    "optional_auth",
    "require_scopes",
    "require_user",
    "websocket_auth",
]

STATE_KEY = "rookery.auth"
INVALID_TOKEN = "The access token is invalid"
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
USER_REQUIRED = "This method requires an authenticated user"
ACCOUNT_DISABLED = "Your login is currently disabled"
_INVALID_HEADERS = {
    "WWW-Authenticate": 'Bearer error="invalid_token", error_description="The access token is invalid"'
}


def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


def bearer_token(headers: Any, query_string: bytes = b"") -> str | None:
    """The request's token: ``Authorization: Bearer`` (case-insensitive scheme), else an
    ``access_token`` query parameter (Mastodon accepts it; streaming clients use it)."""
    value = headers.get("authorization")
    if value:
        scheme, _, token = value.partition(" ")
        token = token.strip()
        return token if scheme.lower() == "bearer" and token else None
    if b"access_token=" in query_string:
        for key, found in urllib.parse.parse_qsl(query_string.decode("latin-1")):
            if key == "access_token" and found:
                return found
    return None


async def resolve_auth(validator: TokenValidator, token: str | None) -> AuthContext | InvalidToken | None:
    if token is None:
        return None
    try:
        return await validator.validate(token)
    except InvalidToken as exc:
        return exc


async def _auth(request: Request) -> AuthContext | None:
    state = request.scope.setdefault("state", {})
    if STATE_KEY in state:
        outcome = state[STATE_KEY]
    else:
        validator: TokenValidator = container(request).services["tokens"]
        outcome = await resolve_auth(
            validator, bearer_token(request.headers, request.scope.get("query_string", b""))
        )
        state[STATE_KEY] = outcome
    if isinstance(outcome, AccountDisabled):
        raise ApiError(403, ACCOUNT_DISABLED)
    if isinstance(outcome, InvalidToken):
        raise ApiError(401, INVALID_TOKEN, _INVALID_HEADERS)
    return outcome


async def optional_auth(request: Request) -> AuthContext | None:
    return await _auth(request)


def require_scopes(*scopes: str) -> Callable[[Request], Awaitable[AuthContext]]:
    async def dependency(request: Request) -> AuthContext:
        ctx = await _auth(request)
        if ctx is None:
            raise ApiError(401, INVALID_TOKEN, _INVALID_HEADERS)
        if not ctx.allows(*scopes):
            raise ApiError(403, OUTSIDE_SCOPES)
        return ctx

    return dependency


def require_user(*scopes: str) -> Callable[[Request], Awaitable[AuthContext]]:
    check = require_scopes(*scopes)

    async def dependency(request: Request) -> AuthContext:
        ctx = await check(request)
        if ctx.account_id is None:
            raise ApiError(422, USER_REQUIRED)
        return ctx

    return dependency


async def websocket_auth(websocket: WebSocket, *scopes: str) -> AuthContext | None:
    """Who opened a streaming socket: the token from the Authorization header, the
    ``access_token`` query parameter or the ``Sec-WebSocket-Protocol`` header (Mastodon's three
    ways). None without a token; ApiError 401/403 for a bad token or missing scope (close the
    socket with code 1008 on it)."""
    validator: TokenValidator = websocket.app.state.container.services["tokens"]
    token = bearer_token(websocket.headers, websocket.scope.get("query_string", b""))
    token = token or websocket.headers.get("sec-websocket-protocol") or None
    if token is None:
        return None
    outcome = await resolve_auth(validator, token)
    if isinstance(outcome, AccountDisabled):
        raise ApiError(403, ACCOUNT_DISABLED)
    if isinstance(outcome, InvalidToken) or outcome is None:
        raise ApiError(401, INVALID_TOKEN)
    if not outcome.allows(*scopes):
        raise ApiError(403, OUTSIDE_SCOPES)
    return outcome
