"""Web Push subscriptions (Mastodon's WebPushSubscription) and the rules for what gets pushed.

One subscription per access token, as in Mastodon: subscribing again with the same token replaces it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import ipaddress
import urllib.parse
from typing import Any

from rookery.workloads.domain import errors

ALERTS = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)
POLICIES = ("all", "followed", "follower", "none")


class PushRejected(errors.RuleViolation):
    """A subscription request that breaks a rule: the API answers 422 with the message as it is."""

    prefixed = False


class PushGone(Exception):
    """The push service says the subscription no longer exists (404/410): forget it."""


class DeliveryFailed(Exception):
    """A push or e-mail could not be delivered this time (server error, timeout)."""


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64url(value: str) -> str:
    """Clients send either base64 alphabet (Mastodon.py: standard, browsers: url-safe); keep url-safe."""
    return value.strip().replace("+", "-").replace("/", "_").rstrip("=")


@dataclasses.dataclass(frozen=True, slots=True)
class PushKeys:
    p256dh: str  # base64url, the browser's P-256 public key (uncompressed point, 65 bytes)
    auth: str  # base64url, 16-byte authentication secret

    @classmethod
    def parse(cls, p256dh: Any, auth: Any) -> PushKeys:
        if not isinstance(p256dh, str) or not isinstance(auth, str):
            raise PushRejected("subscription[keys][p256dh] and subscription[keys][auth] are required")
        p256dh, auth = _b64url(p256dh), _b64url(auth)
        try:
            key, secret = _b64url_decode(p256dh), _b64url_decode(auth)
        except (binascii.Error, ValueError):
            raise PushRejected("subscription keys must be base64url") from None
        if len(key) != 65 or key[0] != 4:
            raise PushRejected("subscription[keys][p256dh] must be an uncompressed P-256 public key")
        if len(secret) != 16:
            raise PushRejected("subscription[keys][auth] must be 16 bytes")
        return cls(p256dh, auth)


def check_endpoint(raw: Any, *, allow_private: bool) -> str:
    """An absolute http(s) URL; loopback/private hosts only where allowed (no SSRF into the cluster)."""
    if not isinstance(raw, str) or not raw:
        raise PushRejected("subscription[endpoint] is required")
    url = urllib.parse.urlsplit(raw)
    if url.scheme not in ("https", "http") or not url.hostname:
        raise PushRejected("subscription[endpoint] must be an http(s) URL")
    if url.scheme == "http" and not allow_private:
        raise PushRejected("subscription[endpoint] must use https")
    if not allow_private:
        host = url.hostname
        if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
            raise PushRejected("subscription[endpoint] must be a public host")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None and not address.is_global:
            raise PushRejected("subscription[endpoint] must be a public host")
    if len(raw) > 2048:
        raise PushRejected("subscription[endpoint] is too long")
    return raw


def parse_alerts(raw: Any, current: dict[str, bool] | None = None) -> dict[str, bool]:
    """``data[alerts]``: known alert types to booleans; unknown keys are ignored like Mastodon does."""
    alerts = dict(current) if current else dict.fromkeys(ALERTS, False)
    if raw is None:
        return alerts
    if not isinstance(raw, dict):
        raise PushRejected("data[alerts] must be an object")
    for name, value in raw.items():
        if name in alerts:
            alerts[name] = _truthy(value, f"data[alerts][{name}]")
    return alerts


def parse_policy(raw: Any, current: str = "all") -> str:
    if raw is None:
        return current
    if raw not in POLICIES:
        raise PushRejected(f"data[policy] must be one of {', '.join(POLICIES)}")
    return str(raw)


def parse_standard(raw: Any) -> bool:
    return False if raw is None else _truthy(raw, "subscription[standard]")


def _truthy(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "on", "yes"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "off", "no", ""):
        return False
    if isinstance(value, int):
        return bool(value)
    raise PushRejected(f"{name} must be a boolean")


@dataclasses.dataclass(frozen=True, slots=True)
class PushSubscription:
    id: int
    token_id: str  # the access token (its jti) the subscription belongs to
    account_id: int
    endpoint: str
    keys: PushKeys
    alerts: dict[str, bool]
    policy: str = "all"
    # RFC 8291 aes128gcm + RFC 8292 VAPID ("standard"), else the legacy draft (aesgcm) that
    # Mastodon up to 4.3 used and still uses when the client does not ask for standard
    standard: bool = False
    created_at: dt.datetime = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def wants(self, notification_type: str, *, from_followed: bool, from_follower: bool) -> bool:
        if not self.alerts.get(notification_type, False):
            return False
        if self.policy == "none":
            return False
        if self.policy == "followed":
            return from_followed
        if self.policy == "follower":
            return from_follower
        return True


def render(subscription: PushSubscription, server_key: str) -> dict[str, Any]:
    return {
        "id": str(subscription.id),
        "endpoint": subscription.endpoint,
        "standard": subscription.standard,
        "alerts": dict(subscription.alerts),
        "server_key": server_key,
        "policy": subscription.policy,
    }


_TITLES = {
    "mention": "{name} mentioned you",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} followed you",
    "follow_request": "{name} requested to follow you",
    "favourite": "{name} favourited your post",
    "poll": "A poll has ended",
    "update": "{name} edited a post",
    "admin.sign_up": "{name} signed up",
    "admin.report": "{name} filed a report",
}


def notification_payload(
    *,
    notification_id: int | str,
    notification_type: str,
    from_name: str,
    icon: str | None = None,
    body: str = "",
    locale: str = "en",
) -> dict[str, Any]:
    """The JSON a Mastodon client expects to decrypt from a Web Push message."""
    title = _TITLES.get(notification_type, "New notification").format(name=from_name)
    return {
        "notification_id": str(notification_id),
        "notification_type": notification_type,
        "preferred_locale": locale,
        "icon": icon,
        "title": title,
        "body": body[:500],
    }


# OpenAPI description of the entity
WEB_PUSH_SUBSCRIPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "WebPushSubscription",
    "properties": {
        "id": {"type": "string"},
        "endpoint": {"type": "string"},
        "standard": {"type": "boolean"},
        "alerts": {"type": "object", "properties": {name: {"type": "boolean"} for name in ALERTS}},
        "server_key": {"type": "string", "description": "the server's VAPID public key"},
        "policy": {"type": "string", "enum": list(POLICIES)},
    },
}
