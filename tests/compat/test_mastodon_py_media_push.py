"""Mastodon.py, unchanged, against a real `rookery up` process: media uploads (v2, polled until
processed), statuses with media and edits of their media, and Web Push subscriptions whose pushes
Mastodon.py decrypts itself."""

from __future__ import annotations

import contextlib
import http.server
import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from compat_support import create_app, signed_up
from live_support import LiveServer
from mastodon import Mastodon, MastodonAPIError
from PIL import Image

SCOPES = ["read", "write", "follow", "push"]


@pytest.fixture(scope="module")
def server(
    live_server_factory: Callable[..., contextlib.AbstractContextManager[LiveServer]],
) -> Iterator[LiveServer]:
    # the push service of this test listens on 127.0.0.1: allow loopback endpoints for it
    with live_server_factory(ROOKERY_PUSH_ALLOW_PRIVATE_ENDPOINTS="true") as live:
        yield live


@pytest.fixture(scope="module")
def creds(server: LiveServer) -> tuple[str, str]:
    return create_app(server, "rookery-media-push", SCOPES)


def account(server: LiveServer, creds: tuple[str, str], username: str) -> Mastodon:
    return signed_up(server, creds, username, SCOPES)


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 90)).save(out, "PNG")
    return out.getvalue()


def test_media_post_polls_until_processed_and_attaches(server: LiveServer, creds: tuple[str, str]) -> None:
    api = account(server, creds, "photographer")
    media = api.media_post(
        png((800, 600)),
        mime_type="image/png",
        description="a green field",
        focus=(0.25, -0.5),
        synchronous=True,
    )
    assert media.url is not None and media.type == "image"
    assert media.meta.original.width == 800 and media.meta.small.width == 640
    assert media.meta.focus.x == 0.25 and media.meta.focus.y == -0.5
    assert media.blurhash
    served = httpx.get(media.url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"

    status = api.status_post("look at this", media_ids=[media])
    assert [m.id for m in status.media_attachments] == [media.id]
    assert status.media_attachments[0].description == "a green field"

    second = api.media_post(png((40, 40)), mime_type="image/png", synchronous=True)
    updated = api.media_update(second, description="tiny", focus=(1, 1))
    assert updated.description == "tiny"
    with pytest.raises(MastodonAPIError):
        api.media_post(b"%PDF-1.4 not an image", mime_type="image/png")

    # an edit adds and reorders media, then changes alt text (Mastodon.py then keeps only that one)
    both = api.status_update(status, "two pictures", media_ids=[second, media])
    assert [m.id for m in both.media_attachments] == [second.id, media.id]
    described = api.generate_media_edit_attributes(media, description="a greener field", focus=(0.0, 0.5))
    one = api.status_update(status, "one picture", media_attributes=[described])
    assert [(m.id, m.description) for m in one.media_attachments] == [(media.id, "a greener field")]
    assert one.media_attachments[0].meta.focus.y == 0.5
    versions = api.status_history(status)
    assert [[m.description for m in v.media_attachments] for v in versions] == [
        ["a green field"], ["tiny", "a green field"], ["a greener field"],
    ]  # fmt: skip


class PushService:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/push/device"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_push_subscription_and_decrypting_a_push(server: LiveServer, creds: tuple[str, str]) -> None:
    alice = account(server, creds, "pushy")
    bob = account(server, creds, "follower")
    service = PushService()
    try:
        private, public = alice.push_subscription_generate_keys()
        subscription = alice.push_subscription_set(
            service.url, public, follow_events=True, mention_events=True
        )
        assert subscription.endpoint == service.url
        assert subscription.alerts.follow is True and subscription.alerts.favourite is False
        assert subscription.server_key == alice.instance_v2().configuration.vapid.public_key

        bob.account_follow(alice.me())
        deadline = time.monotonic() + 15
        while not service.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.received, "no push arrived"
        headers, body = service.received[0]
        push = alice.push_subscription_decrypt_push(
            body, private, headers["encryption"], headers["crypto-key"]
        )
        assert push.notification_type == "follow"
        assert "follower" in push.title

        changed = alice.push_subscription_update(favourite_events=True)
        assert changed.alerts.favourite is True and changed.alerts.follow is True
        assert alice.push_subscription().id == subscription.id
        alice.push_subscription_delete()
        with pytest.raises(MastodonAPIError):
            alice.push_subscription()
    finally:
        service.httpd.shutdown()
        service.httpd.server_close()
