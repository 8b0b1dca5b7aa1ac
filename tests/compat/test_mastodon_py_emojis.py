"""Mastodon.py, unchanged, against a real `rookery up` process: custom emojis an admin added
(over Rookery's admin API: Mastodon has no API for it) in custom_emojis(), and in the emojis of
the statuses and accounts that write them; announcements an admin published (the same way), read,
dismissed and reacted to with announcements(), announcement_dismiss() and
announcement_reaction_create() / _delete()."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator

import compat_support
import httpx
import pytest
from live_support import LiveServer
from mastodon import Mastodon
from PIL import Image

SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


@pytest.fixture(scope="module")
def server(live_server_factory: Callable[..., contextlib.AbstractContextManager[LiveServer]]) -> Iterator[LiveServer]:
    with live_server_factory() as started:
        yield started


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (16, 16), (200, 40, 90, 255)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def creds(server: LiveServer) -> tuple[str, str]:
    return compat_support.create_app(server, "rookery-compat-emojis", SCOPES)


@pytest.fixture(scope="module")
def admin_http(server: LiveServer, creds: tuple[str, str]) -> Iterator[httpx.Client]:
    compat_support.cli_admin(server, "keeper")
    admin = Mastodon(client_id=creds[0], client_secret=creds[1], api_base_url=server.url)
    admin.log_in("keeper@example.org", compat_support.PASSWORD, scopes=SCOPES, allow_http=True)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin.access_token}"}) as http:
        yield http


def test_custom_emojis_in_lists_statuses_and_accounts(
    server: LiveServer, creds: tuple[str, str], admin_http: httpx.Client
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


def test_announcements(server: LiveServer, creds: tuple[str, str], admin_http: httpx.Client) -> None:
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
