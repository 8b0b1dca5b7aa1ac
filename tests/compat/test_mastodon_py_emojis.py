"""Mastodon.py, unchanged, against a real `rookery up` process: custom emojis an admin added
(over Rookery's admin API: Mastodon has no API for it) in custom_emojis(), and in the emojis of
the statuses and accounts that write them."""

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


def test_custom_emojis_in_lists_statuses_and_accounts(server: LiveServer) -> None:
    creds = compat_support.create_app(server, "rookery-compat-emojis", SCOPES)
    compat_support.cli_admin(server, "keeper")
    admin = Mastodon(client_id=creds[0], client_secret=creds[1], api_base_url=server.url)
    admin.log_in("keeper@example.org", compat_support.PASSWORD, scopes=SCOPES, allow_http=True)
    headers = {"Authorization": f"Bearer {admin.access_token}"}
    with httpx.Client(base_url=server.url, headers=headers) as http:
        added = http.post(
            "/api/v1/admin/custom_emojis", data={"shortcode": "blobwave"}, files={"image": ("b.png", png())}
        )
        assert added.status_code == 200, added.text
        disguised = http.post(
            "/api/v1/admin/custom_emojis", data={"shortcode": "sneaky"}, files={"image": ("s.png", b"<svg/>")}
        )
        assert disguised.status_code == 422
    person = compat_support.signed_up(server, creds, "waver", SCOPES)
    assert [e.shortcode for e in person.custom_emojis()] == ["blobwave"]
    status = person.status_post("hi :blobwave:")
    assert [e.shortcode for e in status.emojis] == ["blobwave"] and status.emojis[0].url.startswith("http")
    me = person.account_update_credentials(display_name="Waver :blobwave:")
    assert [e.shortcode for e in person.account(me.id).emojis] == ["blobwave"]
