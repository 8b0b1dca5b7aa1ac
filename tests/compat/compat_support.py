"""Mastodon.py clients of a live Rookery server (`rookery up`, or production mode through
server_in_mode), for the compat modules (imported as a plain module: tests/ is no package)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from live_support import LiveServer, run_cli
from mastodon import Mastodon

from e2e.production_support import Proc, cassandra_keyspace, production_env, rookery, running

# module-scoped server fixtures parametrized with these run every test against both modes
MODES = ["embedded", pytest.param("production", marks=pytest.mark.needs("postgres", "redis", "kafka", "cassandra"))]

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


def cli(server: LiveServer | Proc, *args: str) -> subprocess.CompletedProcess[str]:
    """`rookery ARGS` beside the running server: on `rookery up`'s data directory, or on the
    production server's stores. Asserts it succeeded."""
    if isinstance(server, Proc):
        result = rookery(server.env, *args)
    else:
        result = run_cli(server, *args, "--data-dir", str(server.data_dir))
    assert result.returncode == 0, result.stderr
    return result


def cli_admin(server: LiveServer | Proc, name: str) -> subprocess.CompletedProcess[str]:
    """`rookery admin create-account NAME --admin` (email NAME@example.org) beside the running server."""
    return cli(server, "admin", "create-account", name, "--email", f"{name}@example.org", "--password", PASSWORD,
               "--admin")  # fmt: skip


@contextlib.contextmanager
def server_in_mode(
    request: pytest.FixtureRequest,
    live_server_factory: Callable[..., contextlib.AbstractContextManager[LiveServer]],
    tmp_path_factory: pytest.TempPathFactory,
    **settings: str,
) -> Iterator[Any]:
    """``request.param`` (one of MODES): `rookery up`, or `rookery serve --role all` on the stack's
    PostgreSQL, Redis, Kafka and Cassandra (a fresh keyspace and tenant, migrated first)."""
    if request.param == "embedded":
        with live_server_factory(**settings) as started:
            yield started
        return
    stack_env = request.getfixturevalue("stack_env")
    root = tmp_path_factory.mktemp("production")
    with cassandra_keyspace(stack_env) as keyspace:
        env = production_env(stack_env, root / "data", cassandra_keyspace=keyspace, **settings)
        request.getfixturevalue("kafka_tenants").add(env["ROOKERY_TENANT"])
        migrated = rookery(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        with running(Proc(["serve", "--role", "all"], env, root / "serve.log")) as (served,):
            yield served
