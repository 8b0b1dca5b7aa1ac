"""The edge, as one pure ASGI middleware (never BaseHTTPMiddleware: it sits on every request).

In order, for each HTTP request:
1. request id: ``X-Request-Id`` echoed when it is sane, else generated; on every response;
2. body size: ``Content-Length`` above the route's limit -> 413 before reading; bodies without
   one are read up to the limit (media upload routes get the larger ``max_media_body_bytes``);
3. bearer token: validated once (cached by the validator) and left for ``api/deps.py``;
4. rate limits (RateLimiter port, token buckets): per account for authenticated calls, per client
   IP otherwise; stricter classes for authentication and content creation; ``X-RateLimit-*``
   headers, 429 with ``Retry-After``;
5. ``Idempotency-Key`` on POST (IdempotencyStore port), scoped to the account (or token, or IP):
   a replay returns the first response, a concurrent duplicate waits for it (409 if it takes
   longer than ``idempotency_wait_s``), the same key with a different request gets 422.

Topology split (api/proxy.py): the gateway process runs steps 1-4 with ``proxy=True`` (bodies
stream through unread; idempotency stays with the role, whose store is shared) and forwards the
resolved token as ``X-Rookery-Auth`` beside the internal credential ``X-Rookery-Internal``. A
role's process runs with ``internal_only=True``: with ``ROOKERY_INTERNAL_TOKEN`` set it refuses
(403) every request but the probes (/healthz, /readyz, /metrics) that lacks the credential, and a
request that carries it is trusted as the gateway's: its forwarded token outcome is used as is
(the token is resolved once), its rate limits were drawn at the gateway, and its client address
is the last X-Forwarded-For hop.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import itertools
import logging
import math
import os
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import orjson

from rookery.workloads.api.deps import STATE_KEY, bearer_token, resolve_auth
from rookery.workloads.api.forwarded import TrustedProxies
from rookery.workloads.domain.edge import RateDecision, StoredResponse
from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.observability import REQUEST_ID
from rookery.workloads.ports.edge import IdempotencyStore, RateLimiter
from rookery.workloads.services.tokens import AccountDisabled, InvalidToken, TokenValidator

log = logging.getLogger(__name__)

RESERVATION_S = 15.0  # how long a keyed request in flight holds its key (longer than one runs; a
# compose is kept once by its stored key besides, so a slower one that outlives it still posts once)

if TYPE_CHECKING:
    from rookery.workloads.bootstrap import Container

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
MEDIA_PATHS = ("/api/v1/media", "/api/v2/media", "/api/v1/accounts/update_credentials")
AUTH_PATHS = frozenset({"/oauth/token", "/oauth/authorize", "/api/v1/accounts"})
CREATE_PATHS = frozenset({"/api/v1/statuses", "/api/v1/media", "/api/v2/media", "/api/v1/reports"})
_CREATE_PATTERN = re.compile(r"^/api/v1/(chats/\d+/messages|statuses/\d+/(reblog|favourite))$")
_LIMITED_PREFIXES = ("/api/", "/oauth/")
_EDGE_HEADERS = frozenset(
    {
        b"x-request-id",
        b"content-length",
        b"transfer-encoding",
        b"authorization",
        b"idempotency-key",
        b"x-forwarded-for",
        b"x-rookery-internal",
        b"x-rookery-auth",
    }
)
INTERNAL_HEADER = "x-rookery-internal"  # the gateway's credential (ROOKERY_INTERNAL_TOKEN)
AUTH_HEADER = "x-rookery-auth"  # the token outcome the gateway resolved
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def rate_class(method: str, path: str) -> str | None:
    """Which bucket family a request draws from; None for unmetered paths (health, docs, images)."""
    if not path.startswith(_LIMITED_PREFIXES):
        return None
    if method == "POST" and path in AUTH_PATHS:
        return "auth"
    if method == "POST" and (path in CREATE_PATHS or _CREATE_PATTERN.match(path)):
        return "create"
    return "default"


async def send_error(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    body = orjson.dumps({"error": message})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def encode_auth(outcome: AuthContext | InvalidToken | None) -> bytes | None:
    """The gateway's token outcome as the ``X-Rookery-Auth`` value (None: no token)."""
    if outcome is None:
        return None
    if isinstance(outcome, AccountDisabled):
        return b'{"invalid":"disabled"}'
    if isinstance(outcome, InvalidToken):
        return b'{"invalid":"token"}'
    return orjson.dumps(
        {
            "account": outcome.account_id,
            "app": outcome.app_id,
            "scopes": sorted(outcome.scopes),
            "jti": outcome.token_id,
            "exp": outcome.expires_at,
        }
    )


def decode_auth(value: str | None) -> AuthContext | InvalidToken | None:
    """``encode_auth``'s inverse; a value that does not parse is an invalid token."""
    if not value:
        return None
    try:
        data = orjson.loads(value)
        if data.get("invalid") == "disabled":
            return AccountDisabled("account suspended")
        if "invalid" in data:
            return InvalidToken("token refused by the gateway")
        return AuthContext(
            account_id=data["account"],
            app_id=data["app"],
            scopes=frozenset(data["scopes"]),
            token_id=data["jti"],
            expires_at=float(data["exp"]),
        )
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return InvalidToken("malformed forwarded credentials")


class Gateway:
    def __init__(self, app: ASGIApp, container: Container, *, proxy: bool = False, internal_only: bool = False) -> None:
        self.app = app
        settings = container.settings
        self.settings = settings
        self.proxy = proxy  # the split gateway: nothing read or replayed, the role does that
        self.internal_only = internal_only  # a role's process in topology split
        self.internal_token = settings.internal_token.encode()
        self.validator: TokenValidator = container.tokens
        self.limiter: RateLimiter = container.infra.rate_limiter
        self._limiter_down_logged = -1e9  # when the limiter's store being down was last logged
        self.idempotency: IdempotencyStore = container.infra.idempotency
        self.trusted_proxies = TrustedProxies(settings.trusted_proxies)
        self.classes = {
            "default": (settings.rate_limit_requests, settings.rate_limit_period_s),
            "auth": (settings.rate_limit_auth_requests, settings.rate_limit_auth_period_s),
            "create": (settings.rate_limit_create_requests, settings.rate_limit_create_period_s),
        }
        # the default class per account (a signed-in client) may differ from the one per address
        self.account_capacity = settings.rate_limit_account_requests or settings.rate_limit_requests
        self.rate_limits_enabled = settings.rate_limits_enabled
        self.body_limit, self.media_limit = settings.max_body_bytes, settings.max_media_body_bytes

    def _from_gateway(self, headers: dict[str, str]) -> bool:
        """Whether the request carries the internal credential (never, when none is configured)."""
        supplied = headers.get(INTERNAL_HEADER)
        return (
            bool(self.internal_token)
            and supplied is not None
            and hmac.compare_digest(supplied.encode("latin-1"), self.internal_token)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and self.internal_only and self.internal_token:
                supplied = {
                    name.decode("latin-1"): value.decode("latin-1")
                    for name, value in scope["headers"]
                    if name == INTERNAL_HEADER.encode()
                }
                if not self._from_gateway(supplied):
                    await send({"type": "websocket.close", "code": 1008, "reason": "gateway only"})
                    return
            await self.app(scope, receive, send)
            return
        # one pass over the raw headers, decoding only the few the edge reads
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"] if name in _EDGE_HEADERS
        }
        from_gateway = self.internal_only and self._from_gateway(headers)
        supplied = headers.get("x-request-id", "")
        request_id = supplied if supplied and _REQUEST_ID.match(supplied) else _next_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        REQUEST_ID.set(request_id)  # for the JSON logs of this request
        extra: list[tuple[bytes, bytes]] = [(b"x-request-id", request_id.encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        method: str = scope["method"]
        path: str = scope["path"]
        if self.internal_only and self.internal_token and not from_gateway and path not in PROBE_PATHS:
            await send_error(send_with_headers, 403, "This service answers the gateway only")
            return
        limit = self.media_limit if path.startswith(MEDIA_PATHS) else self.body_limit
        length = headers.get("content-length")
        if length is not None:
            if not (length.isascii() and length.isdigit()):
                await send_error(send_with_headers, 400, "Invalid Content-Length header")
                return
            if int(length) > limit:
                await send_error(send_with_headers, 413, f"Request body is too large (limit {limit} bytes)")
                return

        token = bearer_token(headers, scope.get("query_string", b""))
        if from_gateway:  # resolved once, at the gateway
            outcome = decode_auth(headers.get(AUTH_HEADER))
        elif token is None:
            outcome = None
        else:
            try:
                outcome = await resolve_auth(self.validator, token)
            except StoreUnavailable as exc:
                await send_error(send_with_headers, 503, f"Token issuer unavailable: {exc}", [(b"retry-after", b"5")])
                return
        state[STATE_KEY] = outcome
        ctx = outcome if isinstance(outcome, AuthContext) else None

        if self.rate_limits_enabled and not from_gateway:  # drawn at the gateway
            kind = rate_class(method, path)
            if kind is not None:
                decision = await self._rate_limit(kind, ctx, self._client_ip(scope, headers))
                extra += _rate_headers(decision)
                if not decision.allowed:
                    retry = str(max(1, math.ceil(decision.retry_after_s))).encode()
                    await send_error(send_with_headers, 429, "Too many requests", [(b"retry-after", retry)])
                    return

        if from_gateway:
            state["client_ip"] = _last_hop(headers.get("x-forwarded-for", ""))
        if self.proxy or (method in _BODYLESS and length is None and "transfer-encoding" not in headers):
            await self.app(scope, receive, send_with_headers)  # nothing to count or replay
            return
        body = await _read_body(receive, limit)
        if body is None:
            await send_error(send_with_headers, 413, f"Request body is too large (limit {limit} bytes)")
            return
        replay = _replaying_receive(body, receive)

        idem_key = headers.get("idempotency-key")
        if method == "POST" and idem_key:
            await self._idempotent(scope, replay, send_with_headers, idem_key, body, ctx, token, headers)
            return
        await self.app(scope, replay, send_with_headers)

    # -- rate limits -------------------------------------------------------------------------------

    def _client_ip(self, scope: Scope, headers: dict[str, str]) -> str:
        forwarded = scope.get("state", {}).get("client_ip")
        if forwarded:  # the gateway's view of the client
            return str(forwarded)
        peer = scope["client"][0] if scope.get("client") else "unknown"
        if peer in self.trusted_proxies:
            hops = [hop.strip() for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]
            for hop in reversed(hops):
                if hop not in self.trusted_proxies:
                    return hop
        return str(peer)

    async def _rate_limit(self, kind: str, ctx: AuthContext | None, ip: str) -> RateDecision:
        capacity, period = self.classes[kind]
        who = f"acct:{ctx.account_id}" if ctx is not None and ctx.account_id is not None else f"ip:{ip}"
        if kind == "auth":  # sign-in and sign-up are limited per address whatever the token
            who = f"ip:{ip}"
        elif kind == "default" and who.startswith("acct:"):
            capacity = self.account_capacity
        try:
            return await self.limiter.hit(f"rl:{kind}:{who}", capacity=capacity, refill_per_s=capacity / period)
        except StoreUnavailable as exc:  # fail open: a store failover must not refuse every request
            now = time.monotonic()
            if now - self._limiter_down_logged > 10:
                self._limiter_down_logged = now
                log.warning("rate limits not enforced while their store is unavailable: %s", exc)
            return RateDecision(True, capacity, capacity, 0.0, 0.0)

    # -- idempotency keys --------------------------------------------------------------------------

    async def _idempotent(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        idem_key: str,
        body: bytes,
        ctx: AuthContext | None,
        token: str | None,
        headers: dict[str, str],
    ) -> None:
        if len(idem_key) > 255:
            await send_error(send, 400, "Idempotency-Key must be at most 255 characters")
            return
        if ctx is not None:
            owner = f"acct:{ctx.account_id}" if ctx.account_id is not None else f"app:{ctx.app_id}"
        elif token is not None:
            owner = "tok:" + hashlib.sha256(token.encode()).hexdigest()[:32]
        else:
            owner = "ip:" + self._client_ip(scope, headers)
        key = "idem:" + hashlib.sha256(f"{owner}\x00{idem_key}".encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\x00".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        ttl = self.settings.idempotency_ttl_s

        try:
            stored = await self.idempotency.get(key)
            # the reservation outlives no request: one whose release was lost (its store failing
            # over) holds the key a short while, not the answer's hour
            if stored is None and not await self.idempotency.reserve(key, min(ttl, RESERVATION_S)):
                stored = await self._wait_for(key)
                if stored is None:
                    await send_error(send, 409, "A request with this Idempotency-Key is still being processed")
                    return
        except StoreUnavailable as exc:  # nothing done yet: the client retries with the same key
            await send_error(send, 503, f"Idempotency keys unavailable: {exc}", [(b"retry-after", b"2")])
            return
        if stored is not None:
            if stored.fingerprint != fingerprint:
                await send_error(send, 422, "Idempotency-Key was already used for a different request")
                return
            await _send_stored(send, stored)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    (name.decode("latin-1"), value.decode("latin-1")) for name, value in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await self._forget(key)
            raise
        if captured["status"] >= 500:
            await self._forget(key)
            return
        response = StoredResponse(captured["status"], captured["headers"], b"".join(captured["body"]), fingerprint)
        try:
            await self.idempotency.put(key, response, ttl)
        except StoreUnavailable as exc:  # the answer is sent; a retry with this key waits, then 409
            log.warning(
                "idempotency: the response to a keyed %s %s was not stored: %s", scope["method"], scope["path"], exc
            )

    async def _forget(self, key: str) -> None:
        """Release a reservation; with the store down it expires by itself."""
        try:
            await self.idempotency.release(key)
        except StoreUnavailable as exc:
            log.warning("idempotency: a reservation was not released (it expires): %s", exc)

    async def _wait_for(self, key: str) -> StoredResponse | None:
        deadline = time.monotonic() + self.settings.idempotency_wait_s
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            stored = await self.idempotency.get(key)
            if stored is not None:
                return stored
        return None


def _last_hop(forwarded_for: str) -> str:
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    return hops[-1] if hops else ""


@functools.lru_cache(maxsize=256)
def _iso_second(epoch_s: int) -> bytes:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch_s)).encode()


def _rate_headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    reset = math.ceil(time.time() + min(decision.reset_after_s, 86400 * 365))
    return [
        (b"x-ratelimit-limit", str(decision.limit).encode()),
        (b"x-ratelimit-remaining", str(max(0, decision.remaining)).encode()),
        (b"x-ratelimit-reset", _iso_second(reset)),
    ]


_REQUEST_ID_PREFIX = os.urandom(8).hex()
_request_counter = itertools.count(1)


def _next_request_id() -> str:
    """32 hex digits: a per-process random prefix and a counter (unique, and cheaper than uuid4)."""
    return "%s%016x" % (_REQUEST_ID_PREFIX, next(_request_counter) & 0xFFFFFFFFFFFFFFFF)  # noqa: UP031 (an f-string's format spec costs twice as much)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it exceeds ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying_receive(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_stored(send: Send, stored: StoredResponse) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers]
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})
