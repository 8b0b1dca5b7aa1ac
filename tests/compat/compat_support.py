"""Mastodon.py clients of a live `rookery up` server, for the compat modules (imported as a plain
module: tests/ is no package)."""

from __future__ import annotations

import subprocess

from live_support import LiveServer, run_cli
from mastodon import Mastodon

OOB = "urn:ietf:wg:oauth:2.0:oob"
PASSWORD = "correct horse battery"


def create_app(server: LiveServer, name: str, scopes: list[str]) -> tuple[str, str]:
    """An app registered through Mastodon.create_app: (client_id, client_secret)."""
    client_id, client_secret = Mastodon.create_app(name, api_base_url=server.url, scopes=scopes, redirect_uris=OOB)
    return str(client_id), str(client_secret)


def signed_up(server: LiveServer, creds: tuple[str, str], name: str, scopes: list[str]) -> Mastodon:
    """A client of the app that made account ``name`` (name@example.org) and holds its token."""
    api = Mastodon(client_id=creds[0], client_secret=creds[1], api_base_url=server.url)
    api.create_account(name, PASSWORD, f"{name}@example.org", agreement=True, scopes=scopes)
    return api


def users(server: LiveServer, app_name: str, scopes: list[str], *names: str) -> dict[str, Mastodon]:
    """One app, and a signed-up client per name."""
    creds = create_app(server, app_name, scopes)
    return {name: signed_up(server, creds, name, scopes) for name in names}


def cli_admin(server: LiveServer, name: str) -> subprocess.CompletedProcess[str]:
    """`rookery admin create-account NAME --admin` (email NAME@example.org) beside the running server."""
    result = run_cli(
        server,
        "admin", "create-account", name,
        "--email", f"{name}@example.org", "--password", PASSWORD, "--admin",
        "--data-dir", str(server.data_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result
