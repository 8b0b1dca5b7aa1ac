"""Production processes are stateless: with every store on its production adapter they write
nothing outside /tmp (run here as in a pod: the root filesystem read-only in their own mount
namespace), and they refuse to start without the tenant's keys instead of making their own."""

from __future__ import annotations

import functools
import pathlib
import subprocess
import uuid
from typing import Any

import httpx
import pytest

from e2e import waiting
from e2e.production_support import (
    Client,
    Proc,
    cassandra_keyspace,
    production_env,
    read_only_root,
    rookery,
    running,
)

pytestmark = pytest.mark.needs("postgres", "redis", "kafka", "cassandra", "search")

eventually = functools.partial(waiting.eventually, timeout_s=60.0, interval_s=0.25)


@pytest.fixture(scope="module")
def keyspace(stack_env: dict[str, str]) -> Any:
    with cassandra_keyspace(stack_env) as name:
        yield name


def files_under(root: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_production_processes_write_nothing_outside_tmp(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str
) -> None:
    """As in a pod: the root filesystem read-only (its own mount namespace), only /tmp writable."""
    probe = subprocess.run([*read_only_root(tmp_path), "sh", "-c", "touch /tmp/ok && ! touch /ro 2>/dev/null"])
    assert probe.returncode == 0 and (tmp_path / "ok").exists()  # the harness itself works here
    data_dir = pathlib.Path("/var/lib") / f"rookery-stateless-{uuid.uuid4().hex[:8]}"  # on the root fs
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    env = production_env(
        stack_env,
        data_dir,
        cassandra_keyspace=keyspace,
        ROOKERY_SEARCH_URL=stack_env["ROOKERY_SEARCH_URL"],
        ROOKERY_SEARCH_ENGINE=stack_env.get("ROOKERY_SEARCH_ENGINE", "opensearch"),
        HOME=str(home),
        PYTHONDONTWRITEBYTECODE="1",
    )
    migrated = rookery(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = []
    for args in (["serve", "--role", "all"], ["worker", "fanout"], ["worker", "notify"]):
        private_tmp = tmp_path / f"tmp-{args[-1]}"  # each process's own /tmp, as each pod's emptyDir
        private_tmp.mkdir()
        procs.append(Proc(args, env, logs / f"{args[-1]}.log", cwd=cwd, read_only_root_tmp=private_tmp))
    with running(*procs) as (server, *_):
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        client = Client(server.url)
        alice, bob = client.register("alice"), client.register("bob")
        client.follow(bob, alice)
        posted = client.http.post("/api/v1/statuses", headers=alice["headers"], json={"status": "stateless"})
        assert posted.status_code == 200, posted.text
        eventually(
            lambda: any(
                s["id"] == posted.json()["id"]
                for s in client.http.get("/api/v1/timelines/home", headers=bob["headers"]).json()
            ),
            "fan-out to bob's home",
        )
        client.close()
        assert all(p.alive() for p in procs), [p.log() for p in procs if not p.alive()]
    assert "Read-only file system" not in "".join(p.log() for p in procs)
    assert not data_dir.exists(), files_under(data_dir)
    assert files_under(cwd) == [] and files_under(home) == []


def test_production_process_without_keys_refuses_to_start(stack_env: dict[str, str], tmp_path: pathlib.Path) -> None:
    env = production_env(stack_env, tmp_path / "data")
    for missing, role in (("ROOKERY_SIGNING_KEYS", "all"), ("ROOKERY_VAPID_PRIVATE_KEY", "notifications")):
        without = {**env, missing: ""}
        result = rookery(without, "serve", "--role", role, timeout=60)
        assert result.returncode == 2, result.stderr
        assert f"rookery serve: {missing} is not set" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()
    # Keycloak mode: the external issuer signs tokens; no signing key needed (VAPID still is)
    keycloak = {**env, "ROOKERY_SIGNING_KEYS": "", "ROOKERY_OIDC_ISSUER": "http://127.0.0.1:9/realms/x"}
    keycloak["ROOKERY_VAPID_PRIVATE_KEY"] = ""
    result = rookery(keycloak, "serve", "--role", "all", timeout=60)
    assert result.returncode == 2 and "ROOKERY_VAPID_PRIVATE_KEY is not set" in result.stderr, result.stderr
    assert not (tmp_path / "data").exists()
