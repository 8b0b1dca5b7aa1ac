"""Mastodon.py, unchanged, against a real `rookery up` process: custom emojis an admin added
(over Rookery's admin API: Mastodon has no API for it) in custom_emojis(), and in the emojis of
the statuses and accounts that write them; announcements an admin published (the same way), read,
dismissed and reacted to with announcements(), announcement_dismiss() and
announcement_reaction_create() / _delete(), and heard of on the user stream (on_announcement,
on_announcement_reaction, on_announcement_delete). Both modes: `rookery up`, and `rookery serve --role all`
on the real PostgreSQL, Redis, Kafka and Cassandra."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import compat_support
import httpx
import pytest
from mastodon import Mastodon, StreamListener
from PIL import Image

from e2e.waiting import eventually

SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


# a short heartbeat: Mastodon.py's stream close() returns once the next bytes arrive
SERVER_SETTINGS = {"ROOKERY_STREAMING_HEARTBEAT_S": "1"}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (16, 16), (200, 40, 90, 255)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def creds(server: Any) -> tuple[str, str]:
    return compat_support.create_app(server, "rookery-compat-emojis", SCOPES)


@pytest.fixture(scope="module")
def admin_http(server: Any, creds: tuple[str, str]) -> Iterator[httpx.Client]:
    compat_support.cli_admin(server, "keeper")
    admin = Mastodon(client_id=creds[0], client_secret=creds[1], api_base_url=server.url)
    admin.log_in("keeper@example.org", compat_support.PASSWORD, scopes=SCOPES, allow_http=True)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin.access_token}"}) as http:
        yield http


def test_custom_emojis_in_lists_statuses_and_accounts(
    server: Any, creds: tuple[str, str], admin_http: httpx.Client
) -> None:
    added = admin_http.post(
        "/api/v1/admin/custom_emojis", data={"shortcode": "blobwave"}, files={"image": ("b.png", png())}
    )
    assert added.status_code == 200, added.text
    disguised = admin_http.post(
        "/api/v1/admin/custom_emojis", data={"shortcode": "sneaky"}, files={"image": ("s.png", b"<svg/>")}
    )
    assert disguised.status_code == 422
    person = compat_support.signed_up(server, creds, "waver", SCOPES)
    assert [e.shortcode for e in person.custom_emojis()] == ["blobwave"]
    status = person.status_post("hi :blobwave:")
    assert [e.shortcode for e in status.emojis] == ["blobwave"] and status.emojis[0].url.startswith("http")
    me = person.account_update_credentials(display_name="Waver :blobwave:")
    assert [e.shortcode for e in person.account(me.id).emojis] == ["blobwave"]


def test_announcements(server: Any, creds: tuple[str, str], admin_http: httpx.Client) -> None:
    published = admin_http.post("/api/v1/admin/announcements", json={"text": "Tea in the lobby at :blobwave: time"})
    assert published.status_code == 200, published.text
    reader = compat_support.signed_up(server, creds, "reader", SCOPES)
    other = compat_support.signed_up(server, creds, "other", SCOPES)
    shown = reader.announcements()
    assert [a.id for a in shown] == [published.json()["id"]] and shown[0].read is False
    assert "Tea in the lobby" in shown[0].content
    reader.announcement_reaction_create(shown[0].id, "🍵")
    other.announcement_reaction_create(shown[0].id, "blobwave")
    reactions = {r.name: r for r in reader.announcements()[0].reactions}
    assert reactions["🍵"].count == 1 and reactions["🍵"].me is True and reactions["blobwave"].me is False
    reader.announcement_reaction_delete(shown[0].id, "🍵")
    assert [r.name for r in reader.announcements()[0].reactions] == ["blobwave"]
    reader.announcement_dismiss(shown[0].id)
    assert reader.announcements() == [] and len(other.announcements()) == 1


class Heard(StreamListener):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def on_announcement(self, announcement: Any) -> None:
        with self.lock:
            self.events.append(("announcement", announcement))

    def on_announcement_reaction(self, reaction: Any) -> None:
        with self.lock:
            self.events.append(("reaction", reaction))

    def on_announcement_delete(self, announcement_id: Any) -> None:
        with self.lock:
            self.events.append(("delete", announcement_id))


def test_announcements_on_the_user_stream(server: Any, creds: tuple[str, str], admin_http: httpx.Client) -> None:
    listener = compat_support.signed_up(server, creds, "listener", SCOPES)
    heard = Heard()
    handle = listener.stream_user(heard, run_async=True)
    try:
        eventually(handle.is_receiving, timeout_s=15.0, interval_s=0.05, message="not streaming")
        time.sleep(0.5)
        made = admin_http.post("/api/v1/admin/announcements", json={"text": "streamed news"}).json()
        listener.announcement_reaction_create(made["id"], "🎉")
        assert admin_http.delete(f"/api/v1/admin/announcements/{made['id']}").status_code == 200

        def kinds() -> list[str]:
            with heard.lock:
                return [kind for kind, _ in heard.events]

        eventually(lambda: kinds() == ["announcement", "reaction", "delete"], timeout_s=15.0, interval_s=0.05,
                   message=f"heard {kinds()}")  # fmt: skip
        announced, reaction, deleted = (value for _, value in heard.events)
        assert announced.id == made["id"] and "streamed news" in announced.content
        assert reaction.name == "🎉" and reaction.count == 1 and str(reaction.announcement_id) == made["id"]
        assert str(deleted) == made["id"]
    finally:
        handle.close()
