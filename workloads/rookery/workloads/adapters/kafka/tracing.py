"""W3C trace context across Kafka: taken from the publisher's current OpenTelemetry context when
the event carries none, and made current around each handler, so a consumer's spans join the
trace of the request that caused the event. Without an OpenTelemetry SDK configured the context
is empty and this costs two dictionary look-ups."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

try:  # opentelemetry-api comes with FastAPI; stay importable without it all the same
    from opentelemetry import context as otel_context
    from opentelemetry import propagate
except ImportError:  # pragma: no cover
    otel_context = propagate = None  # type: ignore[assignment]

TRACE_HEADERS = ("traceparent", "tracestate")


def current_trace() -> dict[str, str]:
    """The current span's context as W3C headers ({} when there is no active span)."""
    if propagate is None:
        return {}
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {name: value for name, value in carrier.items() if name in TRACE_HEADERS}


@contextlib.contextmanager
def trace_context(trace: dict[str, str]) -> Iterator[None]:
    """Run the block inside the trace the event carries."""
    if propagate is None or not trace.get("traceparent"):
        yield
        return
    token = otel_context.attach(propagate.extract(trace))
    try:
        yield
    finally:
        otel_context.detach(token)
