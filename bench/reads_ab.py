"""Before/after on the suite's own graph: its scenarios against servers of several code trees.

    .venv/bin/python -m bench.reads_ab --tree before=/path/to/checkout --tree after=. \\
        [--mode production] [--quick] [--scenarios read-user-timeline,read-home-timeline] \\
        [--rounds 3] [--seconds 5] [--rates 300,700] [--out bench/results/reads_ab.json]

Each tree gets the mode's server over a graph of its own, seeded alike by `make bench`'s seeding
(bench.suite.seeded_server: the same plan, its own data directory or PostgreSQL schema and
Cassandra keyspace; production needs `python -m e2e.stack up postgres redis kafka cassandra`).
The server runs that tree's code (its ``workloads`` first on PYTHONPATH, as bench.floor's
``--tree``); migrations and seeding are this checkout's, so the trees must share their schema. All
servers stay up together, pinned to CPU 0 as in `make bench`, and the rounds alternate between
them: per round and scenario, wrk (the suite's Lua mix, ``-t1 -c32``, pinned to CPU 1) after a 3 s
warm-up of the first round. Reported per tree and scenario: median req/s, the server's CPU time per
request (all threads), and the store reads per request counted by the server itself
(``rookery_store_request_duration_seconds_count`` of each store's selects, from /metrics before and
after the round). ``--rates``: each round also runs each scenario open loop at these fixed rates
(oha, 8 s, 64 connections, as `make bench`'s latency runs): p50 and p99 and the CPU time per
request there, where few requests are in flight and share fewer round trips than under wrk.
Not a test: no pass/fail; compare within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import pathlib
import re
import statistics
import sys
import tempfile
from typing import Any

import httpx

from bench import suite
from bench.common import cpu_seconds
from bench.floor import tree_env

COUNT = re.compile(r"^rookery_store_request_duration_seconds_count\{([^}]*)\} (\S+)$", re.M)
LABEL = re.compile(r'(\w+)="([^"]*)"')


def selects_in(metrics: str) -> dict[str, float]:
    """Each store's select count in a Prometheus exposition (labels in any order)."""
    found = {}
    for labels, count in COUNT.findall(metrics):
        named = dict(LABEL.findall(labels))
        if named.get("operation") == "select":
            found[named["store"]] = float(count)
    return found


def store_selects(base: str) -> dict[str, float]:
    """The server's select count per store so far, from its /metrics."""
    return selects_in(httpx.get(base + "/metrics", timeout=30).text)


def one_round(base: str, pid: int, lua: pathlib.Path, seconds: int, connections: int) -> dict[str, Any]:
    selects, cpu = store_selects(base), cpu_seconds(pid)
    result = suite.wrk(base + suite.HOME, seconds, connections, lua)
    used, after = cpu_seconds(pid) - cpu, store_selects(base)
    served = max(1.0, result["requests"] or result["rps"] * seconds)
    per_request = {store: round((after[store] - selects.get(store, 0.0)) / served, 3) for store in after}
    return {**result, "cpu_us_per_request": used / served * 1e6, "selects_per_request": per_request}


def open_loop(base: str, pid: int, spec: dict[str, Any], tmp: pathlib.Path, rate: float) -> dict[str, Any]:
    cpu = cpu_seconds(pid)
    found = suite.open_loop_oha(suite.oha_binary() or "oha", suite.oha_groups(spec), tmp, rate, 8, 64)
    served = max(1.0, found["achieved_rps"] * 8)
    return {"rate": rate, "cpu_us_per_request": (cpu_seconds(pid) - cpu) / served * 1e6, **found}


def median_of(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    stores = sorted({store for r in rounds for store in r["selects_per_request"]})
    return {
        "rps": round(statistics.median(r["rps"] for r in rounds), 1),
        "rps_each_round": [round(r["rps"]) for r in rounds],
        "cpu_us_per_request": round(statistics.median(r["cpu_us_per_request"] for r in rounds), 1),
        "selects_per_request": {
            store: statistics.median(r["selects_per_request"].get(store, 0.0) for r in rounds) for store in stores
        },
        "non_2xx": sum(r["non_2xx"] for r in rounds),
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        "| tree | scenario | req/s (median) | each round | server CPU µs/req | store selects per request |",
        "|---|---|---:|---|---:|---|",
    ]
    for row in report["rows"]:
        selects = ", ".join(f"{store} {n:.2f}" for store, n in row["selects_per_request"].items()) or "-"
        lines.append(
            f"| {row['tree']} | {row['scenario']} | {row['rps']:,.0f} | {row['rps_each_round']} |"
            f" {row['cpu_us_per_request']:,.0f} | {selects} |"
        )
    if report.get("open_loop"):
        lines += [
            "",
            "| tree | scenario | rate req/s | p50 ms (median) | p99 ms (median) | server CPU µs/req |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for row in report["open_loop"]:
            lines.append(
                f"| {row['tree']} | {row['scenario']} | {row['rate']:,.0f} | {row['p50_ms']:.2f} |"
                f" {row['p99_ms']:.2f} | {row['cpu_us_per_request']:,.0f} |"
            )
    return "\n".join(lines) + f"\n\n{report['mode']}, {report['rounds']} alternating rounds of {report['seconds']} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH of a checkout (. for this one)")
    parser.add_argument("--mode", choices=["embedded", "production"], default="production")
    parser.add_argument("--quick", action="store_true", help="make bench-quick's smaller graph")
    parser.add_argument("--scenarios", default="read-user-timeline,read-home-timeline")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rates", default="", help="comma-separated open-loop rates (req/s), e.g. 300,700")
    parser.add_argument("--out", default="bench/results/reads_ab.json")
    args = parser.parse_args(argv)
    trees = dict(tree.split("=", 1) for tree in args.tree)
    scenarios = args.scenarios.split(",")
    unknown = [name for name in scenarios if name not in suite.SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; known: {sorted(suite.SCENARIOS)}")
    plan = suite.Plan.of(args.quick)
    stack: dict[str, str] = {}
    if args.mode == "production":
        from e2e.stack import runner

        stack = runner.env(["postgres", "redis", "kafka", "cassandra"])
    with tempfile.TemporaryDirectory(prefix="reads-ab-") as tmp, contextlib.ExitStack() as servers:
        running: dict[str, tuple[str, int, dict[str, pathlib.Path]]] = {}
        specs: dict[str, dict[str, Any]] = {}
        for name, path in trees.items():
            home = pathlib.Path(tmp) / name
            home.mkdir()
            env = tree_env(pathlib.Path(path).resolve())
            base, seeded, _ = servers.enter_context(
                suite.seeded_server(args.mode, plan.seed_args, stack, home, server_env=env)
            )
            pid = suite.SERVER_PIDS[base]
            suite.drained_s(pid)
            spec = {
                "base": base,
                "readers": [r["token"] for r in seeded["readers"]],
                "composers": [c["token"] for c in seeded["composers"]],
                "users": seeded["posters"],
            }
            scripts = {}
            for scenario in scenarios:
                scripts[scenario] = home / f"{scenario}.lua"
                scripts[scenario].write_text(suite.wrk_lua({**spec, "mix": suite.SCENARIOS[scenario]}))
            running[name] = (base, pid, scripts)
            specs[name] = spec
        rates = [float(rate) for rate in args.rates.split(",") if rate]
        measured: dict[tuple[str, str], list[dict[str, Any]]] = {}
        paced: dict[tuple[str, str, float], list[dict[str, Any]]] = {}
        for round_no in range(args.rounds):
            for name, (base, pid, scripts) in running.items():
                for scenario in scenarios:
                    if round_no == 0:
                        suite.wrk(base + suite.HOME, 3, args.connections, scripts[scenario])
                    result = one_round(base, pid, scripts[scenario], args.seconds, args.connections)
                    measured.setdefault((name, scenario), []).append(result)
                    suite.log(f"{name} {scenario} round {round_no}: {result['rps']:.0f} req/s")
                    for rate in rates:
                        spec = {**specs[name], "mix": suite.SCENARIOS[scenario]}
                        found = open_loop(base, pid, spec, pathlib.Path(tmp) / name, rate)
                        paced.setdefault((name, scenario, rate), []).append(found)
    rows = [{"tree": name, "scenario": scenario, **median_of(found)} for (name, scenario), found in measured.items()]
    open_rows = [
        {
            "tree": name,
            "scenario": scenario,
            "rate": rate,
            **{key: statistics.median(r[key] for r in found) for key in ("p50_ms", "p99_ms", "cpu_us_per_request")},
        }
        for (name, scenario, rate), found in paced.items()
    ]
    report = {
        "mode": args.mode,
        "quick": args.quick,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "rows": rows,
        "open_loop": open_rows,
    }
    from bench.floor import finish

    return finish(report, args.out, render)


if __name__ == "__main__":
    sys.exit(main())
