"""Push delivery adapters: Web Push (RFC 8030/8291/8292) and the disabled APNs/FCM channel.

Web Push: the payload is encrypted for the browser's key with aes128gcm (http-ece) and the request
carries a VAPID JWT signed with the server's P-256 key (py-vapid). In production the key comes from
ROOKERY_VAPID_PRIVATE_KEY (the tenant's keys Secret), so every replica signs with it; embedded, it is
generated once and kept in the data directory. Its public half is the ``server_key`` clients subscribe with.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import os
import pathlib
import time
import urllib.parse
from typing import Any

import http_ece
import httpx
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid01, Vapid02

from rookery.workloads.adapters.local.keys import InvalidKey
from rookery.workloads.domain.push import DeliveryFailed, PushGone, PushSubscription

log = logging.getLogger("rookery.push")

VAPID_FILE = "vapid-private.pem"
JWT_LIFETIME_S = 12 * 3600  # RFC 8292: at most 24 hours


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def vapid_from_setting(value: str, where: str = "ROOKERY_VAPID_PRIVATE_KEY") -> Vapid02:
    """A P-256 private key as PEM, or base64url (raw 32 bytes or DER, as Mastodon's VAPID_PRIVATE_KEY)."""
    try:
        if "-----BEGIN" in value:
            key = serialization.load_pem_private_key(value.strip().encode(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
                raise ValueError("not an EC P-256 (prime256v1) private key")
            return Vapid02(private_key=key)
        vapid = Vapid02.from_string(value.strip())
        if vapid.private_key.curve.name != "secp256r1":
            raise ValueError("not an EC P-256 (prime256v1) private key")
        return vapid
    except Exception as exc:  # py_vapid and cryptography raise several kinds
        raise InvalidKey(f"{where} is not a usable VAPID key: {exc}") from None


def generate_vapid_pem() -> str:
    """A fresh VAPID (P-256) private key as PEM (what the operator puts in a tenant's keys Secret)."""
    vapid = Vapid02()
    vapid.generate_keys()
    return str(vapid.private_pem().decode())


class VapidKeys:
    """The server's VAPID key pair: from the settings (production: ``ROOKERY_VAPID_PRIVATE_KEY``, the
    tenant's keys Secret) or created on first use under ``directory`` (embedded)."""

    def __init__(self, directory: pathlib.Path | None = None, *, private_key: str = "") -> None:
        if private_key:
            self.vapid = vapid_from_setting(private_key)
        elif directory is None:
            raise ValueError("VapidKeys needs a private key or a directory to keep one in")
        else:
            path = pathlib.Path(directory) / VAPID_FILE
            if path.exists():
                self.vapid = Vapid02.from_file(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.vapid = Vapid02()
                self.vapid.generate_keys()
                tmp = path.with_name(path.name + ".tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(self.vapid.private_pem())
                tmp.replace(path)
        self.public_key = _b64url(
            self.vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        )

        self.legacy = Vapid01(private_key=self.vapid.private_key)

    @staticmethod
    def _claims(endpoint: str, subject: str) -> dict[str, Any]:
        url = urllib.parse.urlsplit(endpoint)
        return {
            "aud": f"{url.scheme}://{url.netloc}",
            "sub": subject,
            "exp": int(time.time()) + JWT_LIFETIME_S,
        }

    def authorization(self, endpoint: str, subject: str) -> str:
        """RFC 8292: ``vapid t=<JWT>,k=<public key>``."""
        return str(self.vapid.sign(self._claims(endpoint, subject))["Authorization"])

    def legacy_headers(self, endpoint: str, subject: str, dh: str) -> dict[str, str]:
        """The draft Mastodon <= 4.3 used: ``WebPush <JWT>`` and ``Crypto-Key: dh=..;p256ecdsa=..``."""
        signed = self.legacy.sign(self._claims(endpoint, subject), crypto_key=f"dh={dh}")
        return {"Authorization": str(signed["Authorization"]), "Crypto-Key": str(signed["Crypto-Key"])}


class WebPushSender:
    """PushSender for Web Push subscriptions (what browsers and Mastodon apps register)."""

    def __init__(
        self,
        keys: VapidKeys,
        subject: str,
        *,
        timeout_s: float = 10.0,
        ttl_s: int = 48 * 3600,
        allow_private: bool = False,
    ) -> None:
        self.keys = keys
        self.subject = subject
        self.ttl_s = ttl_s
        self.allow_private = allow_private
        self._client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def _check_destination(self, endpoint: str) -> None:
        """A public name may still resolve into the cluster: refuse loopback/private addresses."""
        if self.allow_private:
            return
        url = urllib.parse.urlsplit(endpoint)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(url.hostname, url.port or 443)
        except OSError as exc:
            raise DeliveryFailed(f"cannot resolve {url.hostname}: {exc}") from exc
        for *_, sockaddr in infos:
            if not ipaddress.ip_address(sockaddr[0]).is_global:
                raise PushGone(f"{url.hostname} resolves to a non-public address ({sockaddr[0]})")

    def encrypt(self, subscription: PushSubscription, body: bytes) -> tuple[bytes, dict[str, str]]:
        """The encrypted body and the headers that go with it (standard or legacy draft)."""
        ephemeral = ec.generate_private_key(ec.SECP256R1())
        receiver = _b64url_decode(subscription.keys.p256dh)
        auth = _b64url_decode(subscription.keys.auth)
        if subscription.standard:
            encrypted: bytes = http_ece.encrypt(
                body, private_key=ephemeral, dh=receiver, auth_secret=auth, version="aes128gcm"
            )
            return encrypted, {
                "Content-Encoding": "aes128gcm",
                "Authorization": self.keys.authorization(subscription.endpoint, self.subject),
            }
        salt = os.urandom(16)
        encrypted = http_ece.encrypt(
            body,
            salt=salt,
            private_key=ephemeral,
            dh=receiver,
            auth_secret=auth,
            keylabel="P-256",
            version="aesgcm",
        )
        dh = _b64url(ephemeral.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
        return encrypted, {
            "Content-Encoding": "aesgcm",
            "Encryption": f"salt={_b64url(salt)}",
            **self.keys.legacy_headers(subscription.endpoint, self.subject, dh),
        }

    async def send(self, subscription: PushSubscription, payload: dict[str, Any]) -> None:
        await self._check_destination(subscription.endpoint)
        body, encoding_headers = self.encrypt(subscription, orjson.dumps(payload))
        headers = {
            **encoding_headers,
            "Content-Type": "application/octet-stream",
            "TTL": str(self.ttl_s),
            "Urgency": "normal",
        }
        try:
            response = await self._client.post(subscription.endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"push service unreachable: {exc!r}") from exc
        if response.status_code in (404, 410):
            raise PushGone(f"push service answered {response.status_code}")
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryFailed(f"push service answered {response.status_code}")
        if response.status_code >= 300:
            # 400/401/403/413: this request will never be accepted; retrying cannot help
            log.warning(
                "push to %s refused: %s %s", subscription.endpoint, response.status_code, response.text[:200]
            )

    async def close(self) -> None:
        await self._client.aclose()


class LoggingPushSender:
    """APNs / FCM when no credentials are configured: the delivery is logged and dropped."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent = 0

    async def send(self, subscription: PushSubscription, payload: dict[str, Any]) -> None:
        self.sent += 1
        log.info(
            "%s disabled: not delivering %s to account %s",
            self.channel,
            payload.get("notification_type"),
            subscription.account_id,
        )
