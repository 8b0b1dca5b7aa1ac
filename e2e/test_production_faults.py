"""PostgreSQL going away under a production process: 503 {"error": ...}, the process keeps running,
and it recovers by itself when the server is back. The test runs its OWN PostgreSQL server, so
stopping it never disturbs other tests sharing the stack."""

from __future__ import annotations

import functools
import pathlib
import signal
from typing import Any

import httpx
import pytest

from e2e.production_support import (
    Client,
    PrivatePostgres,
    Proc,
    private_postgres_running,
    production_env,
    rookery,
    running,
)
from e2e.waiting import eventually

pytestmark = pytest.mark.needs("redis", "kafka")


wait_for = functools.partial(eventually, timeout_s=30.0, interval_s=0.25)


@pytest.fixture
def private_postgres() -> Any:
    with private_postgres_running() as server:
        yield server


def test_postgres_down_answers_503_and_recovers(
    stack_env: dict[str, str], tmp_path: pathlib.Path, private_postgres: PrivatePostgres
) -> None:
    env = production_env(
        {**stack_env, "ROOKERY_POSTGRES_DSN": private_postgres.dsn},
        tmp_path / "data",
        ROOKERY_POSTGRES_STATEMENT_TIMEOUT_MS="1000",
        ROOKERY_POSTGRES_ACQUIRE_TIMEOUT_S="2",
    )
    assert rookery(env, "migrate").returncode == 0
    with running(Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")) as (server,):
        client = Client(server.url)
        alice = client.register("alice")
        assert (
            client.http.post("/api/v1/statuses", headers=alice["headers"], json={"status": "one"}).status_code
            == 200
        )

        def broken_then_back(fault: str) -> None:
            for attempt in range(3):
                response = client.http.post(
                    "/api/v1/statuses", headers=alice["headers"], json={"status": f"{fault} {attempt}"}
                )
                assert response.status_code == 503, response.text
                assert "error" in response.json()
                lookup = client.http.get("/api/v1/accounts/lookup", params={"acct": "alice"})
                assert lookup.status_code in (200, 503), lookup.text  # 200 only from the entity cache
            ready = httpx.get(f"{server.url}/readyz", timeout=10)
            assert ready.status_code == 503 and "postgres" in ready.json()["error"]
            assert server.alive()

        # 1. the server freezes (SIGSTOP): queries time out instead of hanging
        private_postgres.signal_all(signal.SIGSTOP)
        try:
            broken_then_back("frozen")
        finally:
            private_postgres.signal_all(signal.SIGCONT)
        wait_for(lambda: httpx.get(f"{server.url}/readyz").status_code == 200, "ready after SIGCONT")

        # 2. the server goes away (fast shutdown) and comes back on the same port
        private_postgres.stop()
        try:
            broken_then_back("stopped")
        finally:
            private_postgres.start()
        wait_for(lambda: httpx.get(f"{server.url}/readyz").status_code == 200, "ready after restart")

        def posts() -> bool:
            response = client.http.post("/api/v1/statuses", headers=alice["headers"], json={"status": "back"})
            return response.status_code == 200

        wait_for(posts, "posting after the restart")
        me = client.http.get("/api/v1/accounts/verify_credentials", headers=alice["headers"])
        assert me.status_code == 200 and me.json()["statuses_count"] == 2  # the 503s wrote nothing
        client.close()
