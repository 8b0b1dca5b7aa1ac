"""api/ops.RedSeries: the RED series counted in plain dicts are exactly what prometheus-client's own
Counter and Histogram would expose for the same requests (names, labels, buckets, sums, counts)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from rookery.workloads.api import ops

REQUESTS = [
    ("GET", "/api/v1/timelines/home", 200, 0.0005),
    ("GET", "/api/v1/timelines/home", 200, 0.001),  # on a bound: that bucket
    ("GET", "/api/v1/timelines/home", 404, 0.003),
    ("POST", "/api/v1/statuses", 500, 7.0),  # above every bound: +Inf only
    ("GET", "/api/v1/timelines/home", 200, 0.25),
    ("GET", ops.UNMATCHED, 404, 0.0),
]


def _exposed(registry: CollectorRegistry) -> list[str]:
    return sorted(line for line in generate_latest(registry).decode().splitlines() if "_created" not in line)


def test_the_series_are_the_clients_own() -> None:
    theirs = CollectorRegistry()
    counter = Counter(
        "rookery_http_requests_total",
        "HTTP requests by route template and status.",
        ["method", "route", "status"],
        registry=theirs,
    )
    histogram = Histogram(
        "rookery_http_request_duration_seconds",
        "HTTP request duration by route template.",
        ["method", "route"],
        buckets=ops.DURATION_BUCKETS,
        registry=theirs,
    )
    ours, series = CollectorRegistry(), ops.RedSeries()
    ours.register(series)
    for method, route, status, seconds in REQUESTS:
        counter.labels(method, route, str(status)).inc()
        histogram.labels(method, route).observe(seconds)
        series.observe(method, route, status, seconds)
    exposed = _exposed(ours)
    assert exposed == _exposed(theirs)
    assert 'rookery_http_requests_total{method="GET",route="/api/v1/timelines/home",status="200"} 3.0' in exposed
    created = generate_latest(ours).decode()
    assert 'rookery_http_requests_created{method="POST",route="/api/v1/statuses",status="500"}' in created
