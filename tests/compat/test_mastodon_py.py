"""Mastodon.py, unchanged, against a real `rookery up` process (the ``live_server`` fixture).

Other roles add their flows (statuses, timelines, notifications) to this module or beside it.
"""

from __future__ import annotations

import pathlib
import re

import httpx
import pytest
from compat_support import OOB, PASSWORD, cli_admin, create_app
from live_support import LiveServer
from mastodon import Mastodon, MastodonAPIError, MastodonIllegalArgumentError, MastodonUnauthorizedError

SCOPES = ["read", "write", "follow"]


@pytest.fixture(scope="module")
def app_credentials(live_server: LiveServer) -> tuple[str, str]:
    return create_app(live_server, "rookery-compat", SCOPES)


@pytest.fixture(scope="module")
def admin_user(live_server: LiveServer) -> str:
    """An account made with the CLI while the server runs (same data directory)."""
    result = cli_admin(live_server, "admin")
    assert "created admin @admin" in result.stdout
    return "admin@example.org"


def client(live_server: LiveServer, creds: tuple[str, str], token: str | None = None) -> Mastodon:
    return Mastodon(
        client_id=creds[0], client_secret=creds[1], access_token=token, api_base_url=live_server.url
    )


def test_instance_and_version(live_server: LiveServer, app_credentials: tuple[str, str]) -> None:
    api = client(live_server, app_credentials)
    instance = api.instance()
    assert instance.version.startswith("4.3.0")
    assert instance.configuration.statuses.max_characters == 500
    assert api.verify_minimum_version("4.0.0", cached=True)
    assert api.retrieve_mastodon_version().startswith("4.3.0")


def test_register_with_create_account(live_server: LiveServer, app_credentials: tuple[str, str]) -> None:
    api = client(live_server, app_credentials)
    token = api.create_account("newbie", PASSWORD, "newbie@example.org", agreement=True, scopes=SCOPES)
    assert token
    me = api.account_verify_credentials()
    assert me.username == "newbie" and me.acct == "newbie"
    with pytest.raises(MastodonIllegalArgumentError):
        client(live_server, app_credentials).create_account(
            "newbie", PASSWORD, "other@example.org", agreement=True, scopes=SCOPES
        )
    token, details = client(live_server, app_credentials).create_account(
        "newbie", PASSWORD, "other@example.org", agreement=True, scopes=SCOPES, return_detailed_error=True
    )
    assert token is None and details.details.username[0].error == "ERR_TAKEN"


def test_password_login_verify_and_update(
    live_server: LiveServer, app_credentials: tuple[str, str], admin_user: str
) -> None:
    api = client(live_server, app_credentials)
    token = api.log_in(admin_user, PASSWORD, scopes=SCOPES, allow_http=True)
    assert token
    me = api.account_verify_credentials()
    assert me.username == "admin" and me.source.privacy == "public"
    updated = api.account_update_credentials(
        display_name="The Admin",
        note="Runs this place",
        locked=True,
        fields=[("Site", "https://rookery.example"), ("Pronouns", "they/them")],
        default_privacy="unlisted",
    )
    assert updated.display_name == "The Admin" and updated.locked is True
    assert [f.name for f in updated.fields] == ["Site", "Pronouns"]
    assert updated.source.note == "Runs this place" and updated.source.privacy == "unlisted"
    looked_up = api.account_lookup("admin")
    assert looked_up.id == me.id and looked_up.display_name == "The Admin"
    assert api.account(me.id).note == "<p>Runs this place</p>"
    found = api.account_search("adm")
    assert [a.username for a in found] == ["admin"]
    with pytest.raises(MastodonIllegalArgumentError):
        client(live_server, app_credentials).log_in(
            admin_user, "wrong password", scopes=SCOPES, allow_http=True
        )


def test_avatar_upload(
    live_server: LiveServer, app_credentials: tuple[str, str], admin_user: str, tmp_path: pathlib.Path
) -> None:
    api = client(live_server, app_credentials)
    api.log_in(admin_user, PASSWORD, scopes=SCOPES, allow_http=True)
    image = tmp_path / "avatar.png"
    image.write_bytes(httpx.get(f"{live_server.url}/avatars/original/missing.png").content)
    updated = api.account_update_credentials(avatar=str(image))
    assert not updated.avatar.endswith("missing.png")
    assert httpx.get(updated.avatar).status_code == 200


def test_authorization_code_login(
    live_server: LiveServer, app_credentials: tuple[str, str], admin_user: str
) -> None:
    api = client(live_server, app_credentials)
    url = api.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    with httpx.Client() as browser:
        page = browser.get(url)
        assert page.status_code == 200
        csrf = re.search(r"name='csrf_token' value='([^']+)'", page.text)
        assert csrf
        form = dict(re.findall(r"type='hidden' name='([^']+)' value='([^']*)'", page.text))
        form.update(username=admin_user, password=PASSWORD, decision="approve")
        done = browser.post(f"{live_server.url}/oauth/authorize", data=form)
        assert done.status_code == 200, done.text
    code = re.search(r"id='authorization-code'>([^<]+)<", done.text)
    assert code
    api.log_in(code=code.group(1), redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    assert api.account_verify_credentials().username == "admin"
    api.revoke_access_token(allow_http=True)
    with pytest.raises((MastodonUnauthorizedError, MastodonAPIError)):
        api.account_verify_credentials()


def test_data_survives_a_restart(
    live_server: LiveServer, app_credentials: tuple[str, str], admin_user: str
) -> None:
    api = client(live_server, app_credentials)
    api.log_in(admin_user, PASSWORD, scopes=SCOPES, allow_http=True)
    before = api.account_verify_credentials()
    live_server.restart()
    after = api.account_verify_credentials()  # same token: keys and accounts persisted
    assert after.id == before.id and after.display_name == before.display_name
