"""Web Push over HTTP: subscriptions per token, and real delivery to a push service played by a local
HTTP server in the test, which decrypts the aes128gcm payload with the subscription's private key and
verifies the VAPID JWT."""

from __future__ import annotations

import asyncio
import base64
import functools
import http.server
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import http_ece
import jwt
import orjson
import pytest
from api_support import Api, User
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from e2e.waiting import eventually_async


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class PushServer:
    """A push service on 127.0.0.1: records every request and answers ``status``."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 201
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_server() -> Iterator[PushServer]:
    server = PushServer()
    try:
        yield server
    finally:
        server.close()


class Browser:
    """The client side of a subscription: its ECDH key pair and auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.p256dh = b64url(
            self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        )

    def subscription(self, endpoint: str, standard: bool = True) -> dict[str, Any]:
        keys = {"p256dh": self.p256dh, "auth": b64url(self.auth)}
        return {"endpoint": endpoint, "keys": keys, "standard": standard}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        """RFC 8291 (aes128gcm): the sender's key and salt travel in the body's header."""
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return dict(orjson.loads(plain))

    def decrypt_legacy(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """The aesgcm draft: salt in ``Encryption``, the sender's key in ``Crypto-Key: dh=``."""
        salt = b64url_decode(headers["encryption"].split("salt=")[1])
        dh = b64url_decode(headers["crypto-key"].split("dh=")[1].split(";")[0])
        plain = http_ece.decrypt(
            body, salt=salt, dh=dh, private_key=self.private_key, auth_secret=self.auth, version="aesgcm"
        )
        return dict(orjson.loads(plain))


async def subscribe(
    api: Api, user: User, browser: Browser, endpoint: str, standard: bool = True, **data: Any
) -> Any:
    return await api.client.post(
        "/api/v1/push/subscription",
        headers=user.headers,
        json={"subscription": browser.subscription(endpoint, standard), "data": data},
    )


wait_for = functools.partial(eventually_async, timeout_s=10.0, interval_s=0.05, message="condition not reached in time")


async def test_follow_is_pushed_encrypted_with_a_vapid_signature(
    app_factory: Any, push_server: PushServer
) -> None:
    async with app_factory(push_allow_private_endpoints=True) as api:
        alice, bob = await api.make_user("alice"), await api.make_user("bob")
        browser = Browser()
        endpoint = f"{push_server.origin}/push/alice-device-1"
        created = await subscribe(
            api, alice, browser, endpoint, alerts={"follow": True, "mention": True}, policy="all"
        )
        assert created.status_code == 200, created.text
        entity = created.json()
        assert entity["endpoint"] == endpoint and entity["policy"] == "all"
        assert entity["alerts"]["follow"] is True and entity["alerts"]["favourite"] is False
        server_key = entity["server_key"]
        assert len(b64url_decode(server_key)) == 65

        followed = await api.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
        assert followed.status_code == 200, followed.text
        await wait_for(lambda: len(push_server.received) >= 1)
        request = push_server.received[0]
        assert request["path"] == "/push/alice-device-1"
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert headers["content-encoding"] == "aes128gcm"
        assert int(headers["ttl"]) > 0
        assert b"bob" not in request["body"]  # encrypted on the wire

        payload = browser.decrypt(request["body"])
        assert payload["notification_type"] == "follow"
        assert "bob" in payload["title"]
        notifications = (await api.client.get("/api/v1/notifications", headers=alice.headers)).json()
        assert payload["notification_id"] == notifications[0]["id"]

        # VAPID (RFC 8292): "vapid t=<ES256 JWT>, k=<server public key>", audience = the push service origin
        scheme, _, params = headers["authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        assert fields["k"] == server_key
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
        claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=push_server.origin)
        assert claims["sub"].startswith("mailto:") and claims["exp"] > time.time()
        with pytest.raises(jwt.InvalidSignatureError):
            other = ec.generate_private_key(ec.SECP256R1()).public_key()
            jwt.decode(fields["t"], other, algorithms=["ES256"], audience=push_server.origin)


async def test_legacy_subscriptions_get_the_aesgcm_draft(app_factory: Any, push_server: PushServer) -> None:
    """What Mastodon <= 4.3 sends, and what clients that do not ask for ``standard`` decrypt."""
    async with app_factory(push_allow_private_endpoints=True) as api:
        alice, bob = await api.make_user("alice"), await api.make_user("bob")
        browser = Browser()
        created = await subscribe(
            api, alice, browser, f"{push_server.origin}/legacy", standard=False, alerts={"follow": True}
        )
        assert created.json()["standard"] is False
        await api.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
        await wait_for(lambda: len(push_server.received) >= 1)
        request = push_server.received[0]
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert headers["content-encoding"] == "aesgcm"
        assert browser.decrypt_legacy(request["body"], headers)["notification_type"] == "follow"
        scheme, _, token = headers["authorization"].partition(" ")
        assert scheme == "WebPush"
        server_key = headers["crypto-key"].split("p256ecdsa=")[1].split(";")[0]
        assert server_key == created.json()["server_key"]
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(server_key))
        claims = jwt.decode(token, public, algorithms=["ES256"], audience=push_server.origin)
        assert claims["sub"].startswith("mailto:")


async def test_alerts_and_policy_filter_what_is_pushed(app_factory: Any, push_server: PushServer) -> None:
    async with app_factory(push_allow_private_endpoints=True) as api:
        alice, bob, carol = [await api.make_user(n) for n in ("alice", "bob", "carol")]
        browser = Browser()
        # favourites are off: bob favouriting alice's post pushes nothing; a mention does
        await subscribe(
            api, alice, browser, f"{push_server.origin}/a", alerts={"mention": True, "follow": True}
        )
        post = (
            await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": "hello"})
        ).json()
        await api.client.post(f"/api/v1/statuses/{post['id']}/favourite", headers=bob.headers)
        await api.client.post("/api/v1/statuses", headers=bob.headers, data={"status": "hey @alice"})
        await wait_for(lambda: len(push_server.received) >= 1)
        await asyncio.sleep(0.5)  # a favourite push, if any, would have arrived by now
        kinds = [browser.decrypt(r["body"])["notification_type"] for r in push_server.received]
        assert kinds == ["mention"]
        assert browser.decrypt(push_server.received[0]["body"])["body"] == "hey @alice"

        # policy "followed": only people alice follows get through
        updated = await api.client.put(
            "/api/v1/push/subscription", headers=alice.headers, json={"data": {"policy": "followed"}}
        )
        assert updated.status_code == 200 and updated.json()["policy"] == "followed"
        assert updated.json()["alerts"]["mention"] is True  # alerts kept
        push_server.received.clear()
        await api.client.post("/api/v1/statuses", headers=carol.headers, data={"status": "psst @alice"})
        await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
        await api.client.post("/api/v1/statuses", headers=bob.headers, data={"status": "again @alice"})
        await wait_for(lambda: len(push_server.received) >= 1)
        await asyncio.sleep(0.5)
        assert [browser.decrypt(r["body"])["body"] for r in push_server.received] == ["again @alice"]


async def test_gone_subscriptions_are_deleted(app_factory: Any, push_server: PushServer) -> None:
    async with app_factory(push_allow_private_endpoints=True) as api:
        alice, bob = await api.make_user("alice"), await api.make_user("bob")
        await subscribe(api, alice, Browser(), f"{push_server.origin}/expired", alerts={"follow": True})
        push_server.status = 410
        await api.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
        await wait_for(lambda: len(push_server.received) >= 1)

        async def gone() -> bool:
            response = await api.client.get("/api/v1/push/subscription", headers=alice.headers)
            return response.status_code == 404

        for _ in range(100):
            if await gone():
                break
            await asyncio.sleep(0.05)
        assert await gone()


async def test_subscription_lifecycle_is_per_token(api: Api) -> None:
    alice = await api.make_user("alice")
    phone = await api.make_user("alice2")
    browser = Browser()
    # default settings: only public https endpoints are accepted
    endpoint = "https://push.example.net/wpush/v2/abc"
    created = await subscribe(api, alice, browser, endpoint, alerts={"mention": "true", "poll": "0"})
    assert created.status_code == 200, created.text
    first = created.json()
    assert first["alerts"]["mention"] is True and first["alerts"]["poll"] is False
    got = await api.client.get("/api/v1/push/subscription", headers=alice.headers)
    assert got.json() == first
    instance = (await api.client.get("/api/v2/instance")).json()
    assert instance["configuration"]["vapid"]["public_key"] == first["server_key"]

    # subscribing again with the same token replaces the subscription
    again = await subscribe(api, alice, browser, endpoint + "-new", alerts={"follow": True})
    assert again.json()["endpoint"] == endpoint + "-new" and again.json()["alerts"]["mention"] is False
    # another token (another device) has its own
    assert (await api.client.get("/api/v1/push/subscription", headers=phone.headers)).status_code == 404
    # form encoding, as Mastodon.py and the web client send it
    form = await api.client.post(
        "/api/v1/push/subscription",
        headers=phone.headers,
        data={
            "subscription[endpoint]": endpoint,
            "subscription[keys][p256dh]": browser.p256dh,
            "subscription[keys][auth]": b64url(browser.auth),
            "data[alerts][favourite]": "true",
            "data[policy]": "follower",
        },
    )
    assert form.status_code == 200, form.text
    assert form.json()["alerts"]["favourite"] is True and form.json()["policy"] == "follower"

    assert (await api.client.delete("/api/v1/push/subscription", headers=alice.headers)).json() == {}
    assert (await api.client.get("/api/v1/push/subscription", headers=alice.headers)).status_code == 404
    assert (
        await api.client.put("/api/v1/push/subscription", headers=alice.headers, json={"data": {}})
    ).status_code == 404
    assert (await api.client.delete("/api/v1/push/subscription", headers=alice.headers)).status_code == 200


async def test_bad_subscriptions_are_refused(api: Api) -> None:
    alice = await api.make_user("alice")
    browser = Browser()
    good = browser.subscription("https://push.example.net/x")
    cases = [
        {"subscription": {**good, "endpoint": "http://127.0.0.1:9/x"}},  # loopback / plain http (SSRF)
        {"subscription": {**good, "endpoint": "https://10.0.0.5/x"}},
        {"subscription": {**good, "endpoint": "https://localhost/x"}},
        {"subscription": {**good, "endpoint": "ftp://push.example.net/x"}},
        {"subscription": {**good, "endpoint": "not a url"}},
        {"subscription": {**good, "keys": {"p256dh": "AAAA", "auth": good["keys"]["auth"]}}},
        {"subscription": {**good, "keys": {"p256dh": good["keys"]["p256dh"], "auth": b64url(b"short")}}},
        {"subscription": {**good, "keys": {"p256dh": "***", "auth": "***"}}},
        {"subscription": {"endpoint": good["endpoint"]}},
        {"subscription": "nope"},
        {},
        {"subscription": good, "data": {"policy": "everyone"}},
        {"subscription": good, "data": {"alerts": {"mention": "maybe"}}},
    ]
    for body in cases:
        response = await api.client.post("/api/v1/push/subscription", headers=alice.headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert "error" in response.json()
    assert (await api.client.get("/api/v1/push/subscription", headers=alice.headers)).status_code == 404
    # scopes: the push scope is needed, and a user token
    no_push = await api.make_user("nopush", scopes="read write")
    denied = await api.client.post(
        "/api/v1/push/subscription", headers=no_push.headers, json={"subscription": good}
    )
    assert denied.status_code == 403
    app_only = await api.app_token("read write push")
    refused = await api.client.post(
        "/api/v1/push/subscription",
        headers={"Authorization": f"Bearer {app_only}"},
        json={"subscription": good},
    )
    assert refused.status_code == 422
    assert (await api.client.get("/api/v1/push/subscription")).status_code == 401


async def test_vapid_keys_survive_a_restart(app_factory: Any, tmp_path: Any) -> None:
    data_dir = tmp_path / "persistent"
    keys = []
    for _ in range(2):
        async with app_factory(data_dir=data_dir) as api:
            keys.append(api.container.push.service.server_key)
            configured = api.settings.vapid_private_key
    assert keys[0] == keys[1]
    written = data_dir / "keys" / "vapid-private.pem"
    if configured:  # production: the key comes from the tenant's keys Secret; nothing is written
        assert not written.exists()
    else:  # embedded: generated once into the data dir, readable by its owner only
        assert written.stat().st_mode & 0o777 == 0o600
