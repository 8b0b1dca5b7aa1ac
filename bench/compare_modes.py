"""Home-timeline and compose throughput, embedded vs production mode, with the same wrk command.

    .venv/bin/python -m bench.compare_modes [--seconds 10] [--connections 16] [--out FILE]

embedded:   `rookery up` (SQLite, in-process bus and caches) on a temporary data dir.
production: `rookery migrate` + `rookery serve --role all` on the real stack's PostgreSQL, Redis,
            Kafka and Cassandra (a fresh tenant, schema and keyspace; run
            `python -m e2e.stack up postgres redis kafka cassandra` first).
Each server gets the same seed over HTTP (a reader following 20 authors, 10 posts each), then:
  home:    wrk GET /api/v1/timelines/home (20 statuses a page) as the reader
  compose: wrk POST /api/v1/statuses as one author (fan-out to its follower runs meanwhile)
Closed loop (wrk -t1 -cN), loopback, one server process. Not a test: no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from bench.common import FAST_ENV, free_port, wait_ready, write_report, wrk_latency
from e2e.forms import app_form, bearer, grant, signup
from e2e.production_support import tenant_keys

BASE_ENV = FAST_ENV
AUTH_LUA = 'wrk.headers["Authorization"] = "Bearer {token}"\n'
COMPOSE_LUA = (
    'wrk.method = "POST"\n'
    'wrk.headers["Authorization"] = "Bearer {token}"\n'
    'wrk.headers["Content-Type"] = "application/json"\n'
    'wrk.body = \'{{"status": "benchmark post #bench with a link https://example.com/x"}}\'\n'
)


def wrk(url: str, seconds: int, connections: int, script: pathlib.Path) -> dict[str, float]:
    return wrk_latency(url, seconds, connections, str(script))


def registrar(client: httpx.Client) -> Callable[[str], dict[str, str]]:
    """Signs accounts up through the API (an app's client-credentials token); each call gives the
    new account's Authorization header."""
    app = client.post("/api/v1/apps", data=app_form("bench", "read write follow")).json()
    granted = client.post("/oauth/token", data=grant(app, "client_credentials", scope="read write follow"))
    app_token = granted.json()["access_token"]

    def register(name: str) -> dict[str, str]:
        form = signup(name, "bench password", agreement="1")
        response = client.post("/api/v1/accounts", headers=bearer(app_token), data=form)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return register


def seed(base: str) -> tuple[str, str]:
    """(reader token, author token) after a reader follows 20 authors who posted 10 times each."""
    with httpx.Client(base_url=base, timeout=30) as client:
        register = registrar(client)
        reader = register("reader")
        authors = [register(f"author{i}") for i in range(20)]
        for headers in authors:
            me = client.get("/api/v1/accounts/verify_credentials", headers=headers).json()
            client.post(f"/api/v1/accounts/{me['id']}/follow", headers=reader).raise_for_status()
        last: dict[str, Any] = {}
        for round_ in range(10):
            for i, headers in enumerate(authors):
                body = {"status": f"post {round_} by {i} #bench https://example.com/{round_}"}
                last = client.post("/api/v1/statuses", headers=headers, json=body).json()
        for _ in range(300):  # until fan-out delivered the newest post
            page = client.get("/api/v1/timelines/home", headers=reader).json()
            if page and page[0]["id"] == last["id"]:
                break
            time.sleep(0.1)
        else:
            raise SystemExit("fan-out did not deliver the seed posts")
        return reader["Authorization"][7:], authors[0]["Authorization"][7:]


def run_mode(mode: str, seconds: int, connections: int, stack: dict[str, str]) -> dict[str, Any]:
    rookery = pathlib.Path(sys.executable).with_name("rookery")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, **BASE_ENV}
        if mode == "embedded":
            argv = [str(rookery), "up", "--port", str(port), "--data-dir", f"{tmp}/data"]
        else:
            env.update(tenant_env(stack, "bench", f"{tmp}/data", f"http://127.0.0.1:{port}"))
            subprocess.run([str(rookery), "migrate"], env=env, check=True, capture_output=True)
            argv = [str(rookery), "serve", "--role", "all", "--port", str(port)]
        server = subprocess.Popen(argv, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", server)
            reader, author = seed(base)
            home_lua, compose_lua = pathlib.Path(tmp, "home.lua"), pathlib.Path(tmp, "compose.lua")
            home_lua.write_text(AUTH_LUA.format(token=reader))
            compose_lua.write_text(COMPOSE_LUA.format(token=author))
            wrk(base + "/api/v1/timelines/home", 2, connections, home_lua)  # warm caches and pools
            home = wrk(base + "/api/v1/timelines/home", seconds, connections, home_lua)
            compose = wrk(base + "/api/v1/statuses", seconds, connections, compose_lua)
        finally:
            server.terminate()
            server.wait(timeout=30)
            if mode == "production":
                drop_keyspace(env)
    return {"home_timeline": home, "compose": compose}


def tenant_env(stack: dict[str, str], prefix: str, data_dir: str, public_url: str) -> dict[str, str]:
    """A fresh tenant on the stack's servers (schema, keyspace and topics made on first use), with
    the keys the operator's <tenant>-keys Secret gives every pod."""
    tenant = prefix + uuid.uuid4().hex[:8]
    return {
        **stack,
        **tenant_keys(),
        "ROOKERY_TENANT": tenant,
        "ROOKERY_POSTGRES_SCHEMA": tenant,
        "ROOKERY_CASSANDRA_KEYSPACE": tenant,
        "ROOKERY_CASSANDRA_CREATE_KEYSPACE": "true",
        "ROOKERY_KAFKA_CREATE_TOPICS": "true",
        "ROOKERY_DATA_DIR": data_dir,
        "ROOKERY_PUBLIC_URL": public_url,
    }


def drop_keyspace(env: dict[str, str]) -> None:
    from e2e.production_support import drop_cassandra_keyspace

    drop_cassandra_keyspace(env, env["ROOKERY_CASSANDRA_KEYSPACE"])


def stack_env() -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "e2e.stack", "env", "postgres", "redis", "kafka", "cassandra"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pairs = (line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
    return {key: value.strip("'\"") for key, value in pairs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--modes", default="embedded,production")
    parser.add_argument("--out", default="bench/results/compare_modes.json")
    args = parser.parse_args()
    modes = args.modes.split(",")
    stack = stack_env() if "production" in modes else {}
    report: dict[str, Any] = {
        "seconds": args.seconds,
        "connections": args.connections,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg()[0],
    }
    for mode in modes:
        report[mode] = run_mode(mode, args.seconds, args.connections, stack)
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
