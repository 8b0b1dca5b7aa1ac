"""Traces to Zipkin and JSON logs carrying trace ids (ARCHITECTURE section 9; metrics: api/ops.py).

Traces: only when ``ROOKERY_ZIPKIN_URL`` is set. Then an OpenTelemetry SDK ``TracerProvider``
(service ``rookery-<role>``, the tenant as a resource attribute, sampled at
``ROOKERY_TRACE_SAMPLE_RATIO`` unless the caller's ``traceparent`` already decided) exports
through a ``BatchSpanProcessor`` to ``<zipkin>/api/v2/spans``. The app gets ``TracingMiddleware``
(pure ASGI, outermost: one SERVER span per request named "METHOD route-template", the caller's
W3C ``traceparent`` as parent, the trace id echoed as ``X-Trace-Id``), and the Kafka bus wraps each
handler in a CONSUMER span whose parent (and link) is the producer's context carried in the
event. The provider is this module's own, not the global one: FastAPI's native telemetry stays
off (api/app.py) and spans are not made twice. Unset, nothing is installed: no middleware, no
SDK import, and ``consumer_span`` only makes the event's context current.

Logs: ``ROOKERY_LOG_FORMAT=json`` writes one JSON object per line (time, level, logger, message,
request_id, trace_id, span_id); ``text`` the usual lines. The request id is the gateway's, set in
``REQUEST_ID`` for the request's context.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from rookery.workloads import catalogue

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

    from rookery.workloads.settings import Settings

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("rookery_request_id", default="")

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACE_HEADERS = (b"traceparent", b"tracestate")
_providers: dict[tuple[str, str, str, float], TracerProvider] = {}
_consumer_tracer: trace.Tracer | None = None  # set once tracing is configured in this process


# ---- traces -------------------------------------------------------------------------------------


def role_name(roles: Iterable[str]) -> str:
    """The <role> of ``rookery-<role>``: 'all' for every role, else the roles but the gateway."""
    roles = tuple(roles)
    if set(catalogue.ROLES) <= set(roles):
        return "all"
    return "+".join(r for r in roles if r != "gateway") or "gateway"


def tracer_provider(settings: Settings, role: str) -> TracerProvider | None:
    """The process's provider exporting to Zipkin (one per Zipkin URL and service), or None when
    ``ROOKERY_ZIPKIN_URL`` is unset."""
    global _consumer_tracer
    if not settings.zipkin_url:
        return None
    service = f"rookery-{role}"
    key = (settings.zipkin_url.rstrip("/"), service, settings.tenant, settings.trace_sample_ratio)
    provider = _providers.get(key)
    if provider is None:
        from opentelemetry.exporter.zipkin.json import ZipkinExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

        resource = Resource.create({"service.name": service, "rookery.tenant": settings.tenant})
        provider = TracerProvider(
            resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio))
        )
        provider.add_span_processor(BatchSpanProcessor(ZipkinExporter(endpoint=f"{key[0]}/api/v2/spans")))
        _providers[key] = provider
    _consumer_tracer = provider.get_tracer("rookery.workloads.bus")
    return provider


def install(app: Any, container: Any) -> TracerProvider | None:
    """Add ``TracingMiddleware`` (outermost) when Zipkin is configured; else touch nothing."""
    provider = tracer_provider(container.settings, role_name(container.roles))
    if provider is None:
        return None
    app.add_middleware(TracingMiddleware, tracer=provider.get_tracer("rookery.workloads.api"))
    app.state.tracer_provider = provider
    return provider


def inject_trace(carrier: dict[str, str]) -> None:
    """Put the current span's ``traceparent`` (and ``tracestate``) in ``carrier``; nothing when no
    span is recording (tracing off): the caller's own headers then pass on unchanged."""
    if trace.get_current_span().get_span_context().is_valid:
        _PROPAGATOR.inject(carrier)


class TracingMiddleware:
    """One SERVER span per HTTP request (pure ASGI): parent from the caller's ``traceparent``,
    renamed to "METHOD route-template" once the router (or the fast path) set ``scope["route"]``."""

    def __init__(self, app: ASGIApp, tracer: trace.Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADERS
        }
        parent = _PROPAGATOR.extract(carrier) if carrier else None
        method: str = scope["method"]
        attributes = {
            "http.request.method": method,
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
            "network.protocol.version": scope.get("http_version", "1.1"),
        }
        client = scope.get("client")
        if client:
            attributes["client.address"] = client[0]
        with self.tracer.start_as_current_span(
            method, context=parent, kind=trace.SpanKind.SERVER, attributes=attributes
        ) as span:
            trace_id = format(span.get_span_context().trace_id, "032x").encode()

            async def send_traced(message: MutableMapping[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(trace.StatusCode.ERROR)
                    message["headers"] = [*message.get("headers", []), (b"x-trace-id", trace_id)]
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            finally:
                template = getattr(scope.get("route"), "path", None)
                if template:
                    span.update_name(f"{method} {template}")
                    span.set_attribute("http.route", template)
                request_id = scope.get("state", {}).get("request_id")
                if request_id:
                    span.set_attribute("rookery.request_id", request_id)


@contextlib.contextmanager
def consumer_span(group: str, topic: str, event_trace: dict[str, str]) -> Iterator[None]:
    """Around one event handler: a CONSUMER span, child of (and linked to) the producer's context
    the event carries; without tracing, only that context made current (spans of nobody)."""
    parent = _PROPAGATOR.extract(event_trace) if event_trace.get("traceparent") else None
    tracer = _consumer_tracer
    if tracer is None:
        if parent is None:
            yield
            return
        token = otel_context.attach(parent)
        try:
            yield
        finally:
            otel_context.detach(token)
        return
    producer = trace.get_current_span(parent).get_span_context() if parent is not None else None
    links = [trace.Link(producer)] if producer is not None and producer.is_valid else None
    attributes = {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
        "messaging.operation.type": "process",
    }
    with tracer.start_as_current_span(
        f"process {topic}", context=parent, kind=trace.SpanKind.CONSUMER, links=links, attributes=attributes
    ):
        yield


# ---- logs ---------------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, trace_id, span_id."""

    def format(self, record: logging.LogRecord) -> str:
        span = trace.get_current_span().get_span_context()
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get() or None,
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
            "span_id": format(span.span_id, "016x") if span.is_valid else None,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(settings: Settings, default_format: str) -> str:
    """Root logging at ``ROOKERY_LOG_LEVEL`` in ``ROOKERY_LOG_FORMAT`` (else ``default_format``).
    Returns the format used (the HTTP server's own loggers follow it: ``http_server``)."""
    fmt = settings.log_format or default_format
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    return fmt

