"""The soak's arithmetic and bookkeeping (bench/soak.py): the growth fit over the second half, one
process's row, the process tree read from /proc, the loadgen's favourite requests and the report
(no load is generated; no number measured here is asserted)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from bench import soak
from bench.loadgen import Picker


def test_growth_is_the_least_squares_slope_in_mib_per_minute() -> None:
    rising = [(t, 100 + 2 * t / 60) for t in range(0, 601, 10)]  # 2 MiB a minute
    assert soak.growth_mib_per_min(rising) == pytest.approx(2.0)
    flat = [(t, 250.0) for t in range(0, 601, 10)]
    assert soak.growth_mib_per_min(flat) == pytest.approx(0.0)
    # noise around a level: the fit, not the last minus the first
    zigzag = [(t, 300 + (5 if i % 2 else -5)) for i, t in enumerate(range(0, 600, 10))]
    assert abs(soak.growth_mib_per_min(zigzag) or 0) < 0.1
    assert soak.growth_mib_per_min(zigzag) != (zigzag[-1][1] - zigzag[0][1]) / 10


def test_growth_needs_two_distinct_times() -> None:
    assert soak.growth_mib_per_min([]) is None
    assert soak.growth_mib_per_min([(10.0, 5.0)]) is None
    assert soak.growth_mib_per_min([(10.0, 5.0), (10.0, 9.0)]) is None


def test_the_warm_up_half_is_left_out_of_the_row() -> None:
    # fills quickly during warm-up, then level: no growth in the second half
    points = [(float(t), min(400.0, 100 + t)) for t in range(0, 601, 10)]
    row = soak.summarise("rookery up", points, 600)
    assert row == {
        "process": "rookery up",
        "samples": 61,
        "start_mib": 100.0,
        "warm_mib": 400.0,
        "end_mib": 400.0,
        "max_mib": 400.0,
        "growth_mib_per_min": 0.0,
        "growth_by_quarter": [60.0, 60.0, 0.0, 0.0],
    }
    assert soak.second_half(points, 600)[0] == (300.0, 400.0)
    # the whole run's slope would have called it growing
    assert (soak.growth_mib_per_min(points) or 0) > 10


def test_growth_by_quarter_shows_whether_it_levels_off() -> None:
    # a step of 8 MiB in the third quarter, then level: the second half's slope alone looks like a leak
    points = [(float(t), 300.0 + (8.0 if t >= 420 else 0.0)) for t in range(0, 601, 10)]
    quarters = soak.by_quarter(points, 600)
    assert quarters[0] == 0.0 and quarters[1] == 0.0 and quarters[3] == 0.0
    assert (quarters[2] or 0) > 1
    assert (soak.growth_mib_per_min(soak.second_half(points, 600)) or 0) > 1
    assert soak.by_quarter([], 600) == [None, None, None, None]


def test_an_empty_series_gives_an_empty_row() -> None:
    row = soak.summarise("gone", [], 600)
    assert row["start_mib"] is None and row["growth_mib_per_min"] is None


def test_process_tree_and_rss_of_a_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in soak.process_tree(os.getpid())
        assert os.getpid() == soak.process_tree(os.getpid())[0]
        assert (soak.rss_mib(child.pid) or 0) > 1
        assert soak.label(child.pid) == "python"
    finally:
        child.kill()
        child.wait()
    assert soak.rss_mib(child.pid) is None


def test_cpu_seconds_ranks_the_processes_that_worked() -> None:
    before = soak.cpu_seconds()
    after = {pid: used + (3.0 if pid == os.getpid() else 0.0) for pid, used in before.items()}
    assert soak.busiest(before, after, exclude=set()) == [f"{soak.label(os.getpid())}: 3 CPU s"]
    assert soak.busiest(before, after, exclude={os.getpid()}) == []


def test_the_mix_favourites_the_given_statuses_without_a_body() -> None:
    spec = {
        "base": "http://127.0.0.1:9",
        "readers": ["r"],
        "composers": ["c"],
        "users": ["7"],
        "statuses": ["111", "222"],
        "mix": soak.MIX,
    }
    picker = Picker(spec)
    seen = {}
    for _ in range(500):
        method, path, _headers, body = picker.next()
        seen[(method, path.split("/")[-1])] = (path, body)
    assert seen[("POST", "favourite")][0] in {"/api/v1/statuses/111/favourite", "/api/v1/statuses/222/favourite"}
    assert seen[("POST", "favourite")][1] is None and seen[("POST", "unfavourite")][1] is None
    assert seen[("POST", "statuses")][1] is not None  # compose still sends its status
    assert ("GET", "notifications") in seen and ("GET", "home") in seen
    assert sum(kind["weight"] for kind in soak.MIX) == pytest.approx(1.0)


def test_the_report_has_a_row_per_process_and_mode() -> None:
    run = {
        "mode": "embedded",
        "rate": 50,
        "seconds": 600,
        "load": {"sent": 30000, "ok": 29990, "errors": {"500": 10}, "achieved_rps": 49.9, "p50_ms": 5.0,
                 "p99_ms": None},
        "processes": [soak.summarise("rookery up", [(0.0, 90.0), (300.0, 250.0), (600.0, 251.0)], 600)],
        "load_average": [(0.0, 2.5), (10.0, 3.5)],
        "busiest_other_processes": ["java kafka.Kafka: 40 CPU s"],
    }  # fmt: skip
    data = {
        "label": "soak",
        "command": "python -m bench soak",
        "machine": {"cpu_model": "x", "cores": 2, "memory_gib": 1, "load_average_start": [1, 1, 1]},
        "commit": "abc",
        "runs": [run],
    }
    text = soak.markdown(data)
    assert "| embedded | rookery up | 3 | 90.0 | 250.0 | 251.0 | 251.0 | 0.2 | - / - / - / - |" in text
    assert '| embedded | 50 | 10.0 | 30000 | 29990 | {"500": 10} | 49.9 | 5.0 | - |' in text
    assert "load average 2.5-3.5 (mean 3.00)" in text and "java kafka.Kafka: 40 CPU s" in text


def test_memtrace_names_the_line_whose_allocations_grew() -> None:
    import tracemalloc

    from bench import memtrace

    kept: list[bytes] = []
    tracemalloc.start(4)
    try:
        first = tracemalloc.take_snapshot().filter_traces(memtrace.IGNORED)
        kept += [bytes(1024) for _ in range(2000)]  # about 2 MiB that stays
        report = memtrace.growth(first, tracemalloc.take_snapshot().filter_traces(memtrace.IGNORED), top=3)
    finally:
        tracemalloc.stop()
    head = report.splitlines()
    assert head[0].startswith("+") and "KiB" in head[0]
    assert "kept += [bytes(1024) for _ in range(2000)]" in report.split("\n+")[0]
    assert len(kept) == 2000


def test_server_env_takes_name_value_pairs() -> None:
    parser = argparse.ArgumentParser()
    soak.add_arguments(parser)
    args = parser.parse_args(["--server-env", "MALLOC_ARENA_MAX=2", "--server-env", "A_B=x=y"])
    assert args.server_env == [("MALLOC_ARENA_MAX", "2"), ("A_B", "x=y")]
    with pytest.raises(SystemExit):
        parser.parse_args(["--server-env", "MALLOC_ARENA_MAX"])
