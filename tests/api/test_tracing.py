"""Traces to Zipkin (the stack's real Zipkin) and JSON logs with trace ids (workloads/observability.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from api_support import Api
from opentelemetry.sdk.trace import TracerProvider

from rookery.workloads import observability
from rookery.workloads.api.cors import Cors
from rookery.workloads.api.fastpath import FastPath
from rookery.workloads.api.forwarded import PublicOrigin
from rookery.workloads.api.gateway import Gateway
from rookery.workloads.api.webclient import WebClient
from rookery.workloads.observability import REQUEST_ID, JsonFormatter, TracingMiddleware

Factory = Callable[..., contextlib.AbstractAsyncContextManager[Api]]


@pytest.fixture
def api_mode() -> str:  # tracing is the same on every adapter: the embedded one only
    return "embedded"


@pytest.fixture(autouse=True)
def restore_consumer_tracer() -> Iterator[None]:
    """Building an app with Zipkin turns on the bus's consumer spans for the process: not for later tests."""
    saved = observability._consumer_tracer
    yield
    observability._consumer_tracer = saved


def _middleware(api: Api) -> list[type]:
    return [m.cls for m in api.app.user_middleware]  # type: ignore[misc]


async def _zipkin_trace(
    zipkin: str, trace_id: str, want: Callable[[list[dict[str, Any]]], bool]
) -> list[dict]:
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(60):
            response = await client.get(f"{zipkin}/api/v2/trace/{trace_id}")
            if response.status_code == 200 and want(response.json()):
                return response.json()
            await asyncio.sleep(0.5)
    raise AssertionError(f"Zipkin has no such trace {trace_id}: {response.status_code} {response.text[:300]}")


async def test_without_zipkin_nothing_is_installed(app_factory: Factory) -> None:
    async with app_factory() as api:
        assert api.settings.zipkin_url == ""
        middleware = _middleware(api)
        assert TracingMiddleware not in middleware
        assert middleware == [PublicOrigin, WebClient, Cors, Gateway, FastPath]  # the fast path's stack, unchanged
        assert not hasattr(api.app.state, "tracer_provider")
        response = await api.client.get("/healthz")
        assert "x-trace-id" not in response.headers


@pytest.mark.needs("zipkin")
async def test_server_span_reaches_zipkin_with_the_callers_parent(
    app_factory: Factory, stack_env: dict[str, str]
) -> None:
    zipkin = stack_env["ROOKERY_ZIPKIN_URL"]
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    async with app_factory(zipkin_url=zipkin, tenant="tracingtest") as api:
        assert _middleware(api)[0] is TracingMiddleware  # outermost: the span covers the edge
        alice = await api.make_user("alice")
        headers = {
            **alice.headers,
            "traceparent": f"00-{trace_id}-{parent_id}-01",
            "X-Request-Id": "req-trace-1",
        }
        home = await api.client.get("/api/v1/timelines/home", headers=headers)
        assert home.status_code == 200
        assert home.headers["x-trace-id"] == trace_id
        status = await api.client.get(
            "/api/v1/statuses/999999999", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"}
        )
        assert status.status_code == 404
        provider: TracerProvider = api.app.state.tracer_provider
        assert provider.force_flush(10_000)

    def both(spans: list[dict[str, Any]]) -> bool:
        return len([s for s in spans if s.get("parentId") == parent_id]) >= 2

    spans = {s["name"]: s for s in await _zipkin_trace(zipkin, trace_id, both)}
    home_span = spans["get /api/v1/timelines/home"]  # Zipkin lower-cases span names
    assert home_span["parentId"] == parent_id
    assert home_span["kind"] == "SERVER"
    assert home_span["localEndpoint"]["serviceName"] == "rookery-all"
    assert home_span["tags"]["http.route"] == "/api/v1/timelines/home"
    assert home_span["tags"]["http.response.status_code"] == "200"
    assert home_span["tags"]["rookery.request_id"] == "req-trace-1"
    assert home_span["tags"]["rookery.tenant"] == "tracingtest"
    missing = spans["get /api/v1/statuses/{status_id}"]
    assert missing["tags"]["http.response.status_code"] == "404"
    assert missing["parentId"] == parent_id


@pytest.mark.needs("zipkin")
async def test_new_trace_without_traceparent_and_sampling_off(
    app_factory: Factory, stack_env: dict[str, str]
) -> None:
    zipkin = stack_env["ROOKERY_ZIPKIN_URL"]
    async with app_factory(zipkin_url=zipkin, trace_sample_ratio=0.0) as api:
        response = await api.client.get("/healthz")
        trace_id = response.headers["x-trace-id"]
        assert len(trace_id) == 32 and int(trace_id, 16) != 0  # a fresh trace, not sampled
        assert api.app.state.tracer_provider.force_flush(10_000)
    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.sleep(2)
        assert (await client.get(f"{zipkin}/api/v2/trace/{trace_id}")).status_code == 404


def test_consumer_span_is_a_child_of_the_producer() -> None:
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    saved = observability._consumer_tracer
    observability._consumer_tracer = provider.get_tracer("test")
    try:
        with observability.consumer_span("feed", "t.posts", {"traceparent": f"00-{trace_id}-{parent_id}-01"}):
            pass
    finally:
        observability._consumer_tracer = saved
    (span,) = exporter.get_finished_spans()
    assert span.name == "process t.posts"
    assert format(span.context.trace_id, "032x") == trace_id
    assert format(span.parent.span_id, "016x") == parent_id
    assert format(span.links[0].context.span_id, "016x") == parent_id
    assert span.attributes["messaging.consumer.group.name"] == "feed"


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("rookery.test", logging.WARNING, __file__, 1, message, None, None)


def test_json_log_line_carries_trace_and_request_ids() -> None:
    provider = TracerProvider()
    formatter = JsonFormatter()
    outside = json.loads(formatter.format(_record("before")))
    assert outside["trace_id"] is None and outside["span_id"] is None and outside["request_id"] is None
    token = REQUEST_ID.set("req-42")
    try:
        with provider.get_tracer("test").start_as_current_span("work") as span:
            line = formatter.format(_record("inside a span"))
    finally:
        REQUEST_ID.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    context = span.get_span_context()
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")
    assert entry["request_id"] == "req-42"
    assert entry["level"] == "warning" and entry["logger"] == "rookery.test"
    assert entry["message"] == "inside a span"
    assert entry["time"].endswith("+00:00")


async def test_request_logs_carry_the_gateway_request_id(app_factory: Factory) -> None:
    """A log written while a request is handled carries that request's id (set by the gateway)."""
    seen: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(json.loads(JsonFormatter().format(record))["request_id"])

    async with app_factory() as api:

        @api.app.get("/api/v1/test-log")
        async def log_something() -> dict[str, str]:
            logging.getLogger("rookery.test").warning("handled")
            return {}

        handler = Capture()
        logging.getLogger("rookery.test").addHandler(handler)
        try:
            response = await api.client.get("/api/v1/test-log", headers={"X-Request-Id": "req-log-7"})
        finally:
            logging.getLogger("rookery.test").removeHandler(handler)
    assert response.status_code == 200
    assert seen == ["req-log-7"]
