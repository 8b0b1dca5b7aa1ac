"""Behind reverse proxies: which proxies are trusted, and the public origin of every redirect.

``TrustedProxies`` reads ``ROOKERY_TRUSTED_PROXIES`` (addresses and CIDR ranges, comma-separated):
only a peer in it may say who the client is (``X-Forwarded-For``, read by the edge) and how the
client reached us (``X-Forwarded-Proto``, ``X-Forwarded-Host``, read here). Everyone else's
forwarded headers are ignored, so a client cannot pretend to be on https or on another host.

``PublicOrigin`` (pure ASGI, outermost) then:
1. for a trusted peer, sets the request's scheme and ``Host`` from the forwarded headers (what a
   TLS-terminating proxy sends), so what Starlette builds from the request is the client's view;
2. rewrites the ``Location`` of every redirect that points at this server itself (Starlette's
   trailing-slash redirect, for one) to the public origin: ``ROOKERY_PUBLIC_URL``'s scheme and host
   when set, else the request's (forwarded) own. Every other absolute URL Rookery writes (Link
   headers, media, streaming, OAuth) is built from ``ROOKERY_PUBLIC_URL`` already.

A role's process in topology split also trusts the gateway (a request carrying the internal
credential), whose ``X-Forwarded-*`` carry what the gateway itself was told.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from rookery.workloads.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")
INTERNAL_HEADER = b"x-rookery-internal"


class TrustedProxies:
    """Addresses and networks (``10.0.0.0/8``) whose forwarded headers are believed."""

    def __init__(self, spec: str | Iterable[str]) -> None:
        items = spec.split(",") if isinstance(spec, str) else list(spec)
        self.addresses: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in (i.strip() for i in items):
            if not item:
                continue
            if "/" in item:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            else:
                self.addresses.add(item)

    def __bool__(self) -> bool:
        return bool(self.addresses or self.networks)

    def __contains__(self, peer: object) -> bool:
        if not isinstance(peer, str) or not peer:
            return False
        if peer in self.addresses:
            return True
        if not self.networks:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def public_origin(settings: Settings) -> str:
    """``scheme://host[:port]`` of ROOKERY_PUBLIC_URL ('' when unset)."""
    if not settings.public_url:
        return ""
    scheme, _, rest = settings.public_url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0]}" if rest else ""


def _first(value: bytes) -> str:
    """The first (client-side) element of a forwarded list, as proxies append."""
    return value.decode("latin-1").split(",", 1)[0].strip()


class PublicOrigin:
    def __init__(self, app: ASGIApp, settings: Settings, *, internal_only: bool = False) -> None:
        self.app = app
        self.trusted = TrustedProxies(settings.trusted_proxies)
        self.public = public_origin(settings)
        # a role's process in topology split believes the gateway (the internal credential)
        self.internal_token = settings.internal_token.encode() if internal_only else b""
        # an untrusted request's answer depends only on its scheme and Host: decided once each
        self._decided: dict[tuple[bool, bytes], tuple[bytes, ...]] = {}

    def _trusts(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        peer = scope["client"][0] if scope.get("client") else ""
        if peer in self.trusted:
            return True
        supplied = headers.get(INTERNAL_HEADER)
        return bool(self.internal_token) and supplied is not None and hmac.compare_digest(supplied, self.internal_token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        if not self.internal_token and not (self.trusted and client and client[0] in self.trusted):
            # nobody's forwarded headers count: nothing in the scope changes, and only the
            # redirects of a request whose Host is not the public origin's are rewritten
            if kind == "http" and self.public:
                given = b""
                for name, value in scope["headers"]:
                    if name == b"host":
                        given = value
                key = (scope.get("scheme") in ("https", "wss"), given)
                own = self._decided.get(key)
                if own is None:
                    own = self._own_origins(*key)
                    if len(self._decided) < 256:  # Host is the client's to choose: bounded
                        self._decided[key] = own
                if own:
                    await self.app(scope, receive, _rebasing(send, own, self.public.encode("latin-1")))
                    return
            await self.app(scope, receive, send)
            return
        headers = {name: value for name, value in scope["headers"] if name in _READ}
        secure = scope.get("scheme") in ("https", "wss")
        host = headers.get(b"host", b"").decode("latin-1")
        seen = {f"{'https' if secure else 'http'}://{host}"} if host else set()
        if self._trusts(scope, headers):
            proto = _first(headers.get(b"x-forwarded-proto", b"")).lower()
            if proto in ("http", "https"):
                secure = proto == "https"
                websocket = kind == "websocket"
                scope["scheme"] = ("wss" if secure else "ws") if websocket else proto
            forwarded_host = _first(headers.get(b"x-forwarded-host", b""))
            if forwarded_host and _HOST.match(forwarded_host):
                host = forwarded_host
                scope["headers"] = [(n, v) for n, v in scope["headers"] if n != b"host"] + [
                    (b"host", host.encode("latin-1"))
                ]
            if host:
                seen.add(f"{'https' if secure else 'http'}://{host}")
        origin = self.public or (f"{'https' if secure else 'http'}://{host}" if host else "")
        if kind != "http" or not origin or not seen:
            await self.app(scope, receive, send)
            return
        own = tuple(o.encode("latin-1") for o in seen if o != origin)
        if not own:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _rebasing(send, own, origin.encode("latin-1")))

    def _own_origins(self, secure: bool, host: bytes) -> tuple[bytes, ...]:
        """What an untrusted request's redirects are rebased from (to ``self.public``): its own
        origin, when that is not the public one."""
        if not host:
            return ()
        own = f"{'https' if secure else 'http'}://{host.decode('latin-1')}"
        return (own.encode("latin-1"),) if own != self.public else ()


def _rebasing(send: Send, own: tuple[bytes, ...], target: bytes) -> Send:
    async def send_public(message: Message) -> None:
        if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
            message["headers"] = [
                (name, _rebase(value, own, target) if name.lower() == b"location" else value)
                for name, value in message.get("headers", [])
            ]
        await send(message)

    return send_public


_READ = frozenset({b"host", b"x-forwarded-proto", b"x-forwarded-host", INTERNAL_HEADER})


def _rebase(location: bytes, own: tuple[bytes, ...], target: bytes) -> bytes:
    """``location`` on ``target`` when it points at one of ``own`` origins (exactly: not a prefix of
    another host), else unchanged."""
    for origin in own:
        if location.lower().startswith(origin.lower()):
            rest = location[len(origin) :]
            if not rest or rest[:1] in (b"/", b"?", b"#"):
                return target + rest
    return location
