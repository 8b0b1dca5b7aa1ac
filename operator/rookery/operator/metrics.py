"""Reconcile metrics on /metrics (prometheus-client): duration histogram and errors, per kind."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from prometheus_client import Counter, Histogram

RECONCILE_SECONDS = Histogram(
    "rookery_operator_reconcile_duration_seconds",
    "Time to reconcile one custom resource.",
    ["kind", "mode"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
RECONCILE_ERRORS = Counter("rookery_operator_reconcile_errors_total", "Reconciles that raised.", ["kind"])
CHILD_WRITES = Counter(
    "rookery_operator_child_writes_total", "Children created, changed or deleted by the operator.", ["kind"]
)


@contextlib.contextmanager
def timed(kind: str, mode: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    except Exception:
        RECONCILE_ERRORS.labels(kind).inc()
        raise
    finally:
        RECONCILE_SECONDS.labels(kind, mode).observe(time.perf_counter() - start)
