"""Operational endpoints of every process: ``/healthz`` (liveness), ``/readyz`` (a real query to
each configured store; 503 when one is down; each check also sets ``rookery_store_up``) and
``/metrics`` (Prometheus), plus RED metrics per route template (requests, errors by status,
duration), recorded by a pure ASGI middleware.

``install(app, container)`` adds them to the API app; ``ops_app(container)`` is the whole HTTP
surface of a worker process (`rookery worker NAME`).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Metric, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rookery.workloads.metrics import STORE_UP

if TYPE_CHECKING:
    from rookery.workloads.bootstrap import Container


DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
READY_TIMEOUT_S = 2.0
UNMATCHED = "<unmatched>"  # 404s on unknown paths: one label, not one per path


class RedSeries:
    """``rookery_http_requests_total{method,route,status}`` and
    ``rookery_http_request_duration_seconds{method,route}`` (a histogram), counted in plain dicts
    by the event loop that serves the requests and handed to Prometheus when it is scraped (a
    custom collector). Through the client's labelled children each request took three locked
    increments and a walk of the buckets in Python, ~2 µs of every request here; the series and
    their values are the same."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, str], int] = {}
        self.durations: dict[tuple[str, str], list[float]] = {}  # a count per bucket, +Inf's, then the sum
        self.created: dict[tuple[str, ...], float] = {}

    def observe(self, method: str, template: str, status: int, seconds: float) -> None:
        key = (method, template, str(status))
        count = self.requests.get(key)
        if count is None:
            self.created[key] = time.time()
        self.requests[key] = (count or 0) + 1
        counts = self.durations.get(key[:2])
        if counts is None:
            counts = self.durations[key[:2]] = [0] * (len(DURATION_BUCKETS) + 1) + [0.0]
        counts[bisect.bisect_left(DURATION_BUCKETS, seconds)] += 1  # the first bound it is not above
        counts[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "rookery_http_requests", "HTTP requests by route template and status.", labels=["method", "route", "status"]
        )
        for series, count in list(self.requests.items()):
            requests.add_metric(list(series), count, created=self.created.get(series))
        yield requests
        durations = HistogramMetricFamily(
            "rookery_http_request_duration_seconds",
            "HTTP request duration by route template.",
            labels=["method", "route"],
        )
        for route, counts in list(self.durations.items()):
            cumulative: list[tuple[str, float]] = []
            running = 0.0
            for bound, observed in zip((*DURATION_BUCKETS, math.inf), counts, strict=False):  # the sum last
                running += observed
                cumulative.append((floatToGoString(bound), running))
            durations.add_metric(list(route), cumulative, counts[-1])
        yield durations


RED = RedSeries()
REGISTRY.register(RED)


class RedMetrics:
    """Rate, errors and duration per (method, route template) into ``RED``; pure ASGI (no
    BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            RED.observe(
                scope["method"], getattr(route, "path", None) or UNMATCHED, status, time.perf_counter() - started
            )


Check = Callable[[], Awaitable[Any]]


def readiness_checks(container: Container) -> dict[str, Check]:
    """One real round trip per store this process is configured with."""
    infra = container.infra
    checks: dict[str, Check] = {}
    if infra.postgres is not None:
        checks["postgres"] = infra.postgres.ping
    if infra.redis is not None:
        checks["redis"] = infra.redis.ping
    if container.settings.kafka_bootstrap and infra.kafka is not None:
        checks["kafka"] = infra.kafka.ping
    # the embedded SQLite file (still used by stores without a production setting)
    checks["sqlite"] = lambda: infra.db.fetchone("SELECT 1")
    if infra.cassandra is not None:
        checks["cassandra"] = infra.cassandra.ping
    return checks


async def readiness(container: Container) -> tuple[bool, dict[str, str]]:
    checks = readiness_checks(container)

    async def run(check: Check) -> str:
        try:
            answer = await asyncio.wait_for(check(), READY_TIMEOUT_S)
        except Exception as exc:
            return f"down: {type(exc).__name__}: {exc}"[:300]
        return "down: no answer" if answer is False else "ok"  # pings that report instead of raise

    results = dict(zip(checks, await asyncio.gather(*(run(c) for c in checks.values())), strict=True))
    for store, result in results.items():
        STORE_UP.labels(store).set(1 if result == "ok" else 0)
    return all(v == "ok" for v in results.values()), results


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def install(app: FastAPI, container: Container) -> None:
    """/readyz and /metrics on the app (and /healthz if the app has none), RED metrics around it."""
    paths = {getattr(route, "path", None) for route in app.router.routes}

    if "/healthz" not in paths:

        @app.get("/healthz", include_in_schema=False)
        async def healthz() -> Response:
            return _json({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        ready, checks = await readiness(container)
        if ready:
            return _json({"status": "ready", "checks": checks})
        down = ", ".join(name for name, result in checks.items() if result != "ok")
        return _json({"error": f"not ready: {down} unavailable", "checks": checks}, 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RedMetrics)


def ops_app(container: Container) -> FastAPI:
    """A worker process's HTTP surface: health, readiness, metrics; its lifespan runs the container."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        try:
            yield
        finally:
            await container.close()

    app = FastAPI(title="Rookery worker", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    install(app, container)
    return app
