"""Operational endpoints every process serves (api/ops.py): /healthz, /readyz, /metrics."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable

import pytest
from api_support import Api

from rookery.workloads.api import ops


async def test_ready_checks_every_configured_store_and_metrics_name_route_templates(
    app_factory: Callable[..., contextlib.AbstractAsyncContextManager[Api]],
) -> None:
    async with app_factory() as api:
        ops.install(api.app, api.container_of("gateway"))  # [split]: the gateway process
        api.app.middleware_stack = None  # rebuilt on the next request, with RedMetrics
        assert (await api.client.get("/healthz")).json() == {"status": "ok"}
        ready = await api.client.get("/readyz")
        assert ready.status_code == 200, ready.text
        checks = ready.json()["checks"]
        expected = {"sqlite"} | ({"postgres", "redis", "kafka"} if api.settings.postgres_dsn else set())
        assert expected <= set(checks) and set(checks.values()) == {"ok"}
        alice = await api.make_user("alice")
        assert (await api.client.get(f"/api/v1/accounts/{alice.id}")).status_code == 200
        assert (await api.client.get("/api/v1/no/such/path")).status_code == 404
        metrics = (await api.client.get("/metrics")).text
        assert 'route="/api/v1/accounts/{account_id:int}",status="200"' in metrics
        assert f"/api/v1/accounts/{alice.id}" not in metrics  # templates, never raw paths
        assert 'route="<unmatched>",status="404"' in metrics


async def test_ready_answers_503_naming_the_store_that_is_down(
    app_factory: Callable[..., contextlib.AbstractAsyncContextManager[Api]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """(A real server going away: e2e/test_production_faults.py.)"""

    async def unreadable() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    real = ops.readiness_checks
    monkeypatch.setattr(ops, "readiness_checks", lambda container: {**real(container), "sqlite": unreadable})
    async with app_factory() as api:
        ops.install(api.app, api.container_of("gateway"))  # [split]: the gateway process
        ready = await api.client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert "sqlite" in body["error"] and body["checks"]["sqlite"].startswith("down")
        assert (await api.client.get("/healthz")).status_code == 200  # alive, just not ready
