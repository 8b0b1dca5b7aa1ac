"""Production processes are stateless: with every store on its production adapter they write
nothing outside /tmp (a pod's root filesystem is read-only), and they refuse to start without the
tenant's keys instead of making their own."""

from __future__ import annotations

import functools
import pathlib
from typing import Any

import httpx
import pytest

from e2e import waiting
from e2e.production_support import Client, Proc, cassandra_keyspace, production_env, rookery, running

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
    # what a pod gives them: a working directory and a home they cannot write (here: watched), /tmp
    data_dir, cwd, home = tmp_path / "var-lib-rookery", tmp_path / "cwd", tmp_path / "home"
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
    api = Proc(["serve", "--role", "all"], env, logs / "serve.log", cwd=cwd)
    fanout = Proc(["worker", "fanout"], env, logs / "fanout.log", cwd=cwd)
    notify = Proc(["worker", "notify"], env, logs / "notify.log", cwd=cwd)
    with running(api, fanout, notify) as (server, *_):
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
