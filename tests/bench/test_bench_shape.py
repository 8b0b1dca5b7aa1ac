"""The benchmark's result writer: exactly the documented JSON shape and its markdown table, from a
small synthetic run (no load is generated; numbers are never asserted)."""

from __future__ import annotations

import json
import pathlib

from bench import report
from bench.suite import parse_wrk, wrk_lua

SCENARIO_KEYS = {
    "name",
    "mode",
    "peak_rps",
    "sustained_rps",
    "rps_at_70",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ceiling",
    "ceiling_rps",
    "ratio",
}


def synthetic() -> dict:
    machine = report.machine_info()
    rows = [
        report.scenario_row(
            "read-home-timeline",
            "embedded",
            peak_rps=1200.0,
            rps_at_70=839.5,
            p50_ms=2.1,
            p95_ms=5.5,
            p99_ms=9.75,
            ceiling="http",
            ceiling_rps=12000.0,
        ),
        report.scenario_row(
            "compose-post",
            "production",
            peak_rps=150.0,
            sustained_rps=60.0,
            rps_at_70=41.5,
            p50_ms=None,
            p95_ms=None,
            p99_ms=None,
            ceiling="database",
            ceiling_rps=None,
        ),
    ]
    fanout = [report.fanout_row(10000, "embedded", p50_ms=120.0, p99_ms=480.5)]
    return report.result(machine, "abc123", rows, fanout)


def test_writer_produces_exactly_the_documented_shape(tmp_path: pathlib.Path) -> None:
    data = synthetic()
    report.write(data, tmp_path / "latest.json", tmp_path / "latest.md")
    loaded = json.loads((tmp_path / "latest.json").read_text())
    assert set(loaded) == {"machine", "commit", "scenarios", "fanout"}
    assert loaded["commit"] == "abc123"
    for key in ("cpu_model", "cores", "memory_gib", "load_average_start"):
        assert key in loaded["machine"]
    assert [set(row) for row in loaded["scenarios"]] == [SCENARIO_KEYS, SCENARIO_KEYS]
    assert [set(row) for row in loaded["fanout"]] == [{"followers", "mode", "p50_ms", "p99_ms"}]
    first = loaded["scenarios"][0]
    assert first["ratio"] == round(first["peak_rps"] / first["ceiling_rps"], 3)
    assert loaded["scenarios"][1]["ratio"] is None  # no ceiling or no peak: no ratio, not a crash


def test_result_drops_keys_outside_the_shape() -> None:
    row = {**report.fanout_row(100, "production", p50_ms=1.0, p99_ms=2.0), "extra": 1}
    data = report.result({"cores": 2}, "c", [], [row])
    assert data["fanout"] == [{"followers": 100, "mode": "production", "p50_ms": 1.0, "p99_ms": 2.0}]


def test_markdown_table_has_a_row_per_scenario_and_fanout(tmp_path: pathlib.Path) -> None:
    data = synthetic()
    report.write(data, tmp_path / "latest.json", tmp_path / "latest.md", "title")
    text = (tmp_path / "latest.md").read_text()
    assert text.startswith("# title\n")
    lines = text.splitlines()
    assert (
        "| read-home-timeline | embedded | 1,200.0 | - | 839.5 | 2.100 | 5.500 | 9.750 | http"
        " | 12,000.0 | 0.100 |" in lines
    )
    assert "| compose-post | production | 150.0 | 60.0 | 41.5 | - | - | - | database | - | - |" in lines
    assert "| 10000 | embedded | 120.0 | 480.5 |" in lines


def test_wrk_output_and_lua_script() -> None:
    out = "  8000 requests in 4.00s, 1.00MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:   2000.50\n"
    assert parse_wrk(out) == {"rps": 2000.5, "non_2xx": 3.0, "requests": 8000.0}
    spec = {
        "readers": ["r1"],
        "composers": ["c1"],
        "users": ["42"],
        "mix": [
            {"weight": 1.0, "method": "GET", "path": "/api/v1/accounts/{id}/statuses", "tokens": "readers"}
        ],
    }
    script = wrk_lua(spec)
    assert 'p="/api/v1/accounts/{id}/statuses"' in script and '{"r1"}' in script
