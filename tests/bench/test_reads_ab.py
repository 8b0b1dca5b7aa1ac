"""bench/reads_ab.py's parts that need no servers: the store reads it counts from a server's
/metrics, and its medians and table (numbers are never asserted as speed)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from bench import reads_ab


def test_the_selects_of_each_store_are_read_from_the_metrics_text() -> None:
    registry = CollectorRegistry()
    duration = Histogram(
        "rookery_store_request_duration_seconds", "", ["store", "operation"], registry=registry
    )  # as rookery.workloads.metrics names it
    for store, operation, times in (
        ("cassandra", "select", 3),
        ("postgres", "select", 2),
        ("postgres", "transaction", 5),
    ):
        for _ in range(times):
            duration.labels(store=store, operation=operation).observe(0.001)
    assert reads_ab.selects_in(generate_latest(registry).decode()) == {"cassandra": 3.0, "postgres": 2.0}
    served = 'rookery_store_request_duration_seconds_count{operation="select",store="redis"} 7.0\n'
    assert reads_ab.selects_in(served) == {"redis": 7.0}  # as a server's /metrics orders them


def test_medians_and_table() -> None:
    rounds = [
        {"rps": rps, "cpu_us_per_request": cpu, "selects_per_request": {"cassandra": reads}, "non_2xx": 0.0}
        for rps, cpu, reads in ((100.0, 900.0, 1.5), (300.0, 700.0, 0.5), (200.0, 800.0, 1.0))
    ]
    summary = reads_ab.median_of(rounds)
    assert summary["rps"] == 200.0 and summary["rps_each_round"] == [100, 300, 200]
    assert summary["cpu_us_per_request"] == 800.0 and summary["selects_per_request"] == {"cassandra": 1.0}
    table = reads_ab.render(
        {"mode": "production", "rounds": 3, "seconds": 5, "rows": [{"tree": "after", "scenario": "x", **summary}]}
    )
    assert "| after | x | 200 | [100, 300, 200] | 800 | cassandra 1.00 |" in table
