"""Thousands of generated requests, valid and invalid, against a real server: never a 5xx.

Schemathesis reads Rookery's own /openapi.json and, for every operation, sends requests built from
the schema (positive) and deliberately outside it (negative: wrong types, missing fields, bad
enums, odd strings), on top of its coverage phase (boundaries of every constraint). The server
runs as a subprocess — `rookery up` (embedded) and `rookery serve --role all` on PostgreSQL, Redis,
Kafka and Cassandra (production) — with an admin's token on every request, so the authenticated
paths are reached, and with rate limits off, so a 429 hides nothing. Passing means: no response was
5xx, the server logged no traceback, and it still serves its admin afterwards (nothing corrupted).
The seed is fixed so a failure reproduces; the output names the failing request as a curl line.
(It found one: a chat id of "²", which str.isdigit() accepts and int() does not.)
"""

from __future__ import annotations

import contextlib
import pathlib
import re
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest
from live_support import LiveServer, run_cli

from e2e.production_support import Proc, cassandra_keyspace, production_env, rookery, running

PASSWORD = "correct horse battery"
SCOPES = "read write follow push admin:read admin:write"
SEED = "20261121"
NO_LIMITS = {"ROOKERY_RATE_LIMITS_ENABLED": "false"}


def admin_token(url: str) -> str:
    """A password-grant token for the admin made beforehand (`rookery admin create-account fuzzer`)."""
    app = httpx.post(
        f"{url}/api/v1/apps",
        data={"client_name": "fuzz", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": SCOPES},
    ).json()
    response = httpx.post(
        f"{url}/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "fuzzer@example.org",
            "password": PASSWORD,
            "scope": SCOPES,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def fuzz(url: str, log_path: pathlib.Path, workdir: pathlib.Path) -> None:
    token = admin_token(url)
    run = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
            "--header", f"Authorization: Bearer {token}",
            "--checks", "not_a_server_error",
            "--mode", "all",
            "--phases", "coverage,fuzzing",
            "--max-examples", "50",
            # the streams (SSE) are long-lived by design: a generated request that is valid would hold
            # its connection until the timeout; their bad input is covered in tests/api/test_streaming.py
            "--exclude-path-regex", "^/api/v1/streaming/(?!health$)",
            "--seed", SEED,
            "--request-timeout", "30",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=1100,
        cwd=workdir,  # its .schemathesis cache
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated, output[-3000:]
    assert int(generated.group(1)) >= 5000 and generated.group(1) == generated.group(2), generated.group(0)
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-6000:]
    me = httpx.get(f"{url}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "fuzzer"


def create_admin(run: Callable[..., subprocess.CompletedProcess[str]], *data_dir: str) -> None:
    made = run("admin", "create-account", "fuzzer", "--email", "fuzzer@example.org", "--password", PASSWORD,
               "--admin", *data_dir)  # fmt: skip
    assert made.returncode == 0, made.stderr


@pytest.mark.timeout(1200)
def test_embedded_never_answers_generated_requests_with_a_server_error(
    live_server_factory: Callable[..., contextlib.AbstractContextManager[LiveServer]], tmp_path: pathlib.Path
) -> None:
    with live_server_factory(**NO_LIMITS) as server:
        create_admin(lambda *args: run_cli(server, *args), "--data-dir", str(server.data_dir))
        fuzz(server.url, server.log_path, tmp_path)


@pytest.mark.timeout(1200)
@pytest.mark.needs("postgres", "redis", "kafka", "cassandra")
def test_production_never_answers_generated_requests_with_a_server_error(
    stack_env: dict[str, str], kafka_tenants: set[str], tmp_path: pathlib.Path
) -> None:
    with cassandra_keyspace(stack_env) as keyspace:
        env = production_env(stack_env, tmp_path / "data", cassandra_keyspace=keyspace, **NO_LIMITS)
        kafka_tenants.add(env["ROOKERY_TENANT"])
        migrated = rookery(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        create_admin(lambda *args: rookery(env, *args))
        log = tmp_path / "serve.log"
        with running(Proc(["serve", "--role", "all"], env, log)) as (server,):
            fuzz(server.url, log, tmp_path)
