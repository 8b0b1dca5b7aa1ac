"""`make bench-soak`: the memory of every server process under a steady mixed load for N minutes.

    python -m bench soak [--minutes 10] [--modes production,embedded] [--rate 20] [--interval 10]

Per mode: the graph of `make bench` seeded (bench.seed, through bench.suite.seeded_server), the
server started (`rookery up`; `rookery serve --role all` on the stack's PostgreSQL, Redis, Kafka,
Cassandra) pinned to CPU 0, then bench.loadgen on CPU 1 sends a fixed open-loop rate well below
the peak for ``--minutes``: home and account timelines, notifications, compose, favourite and
unfavourite (MIX). Every ``--interval`` seconds the resident memory (VmRSS) of the server and of
each process below it is read; the result per process is its RSS at the start, the end and the
maximum, and the least-squares growth in MiB per minute over the second half (the first half is
warm-up: caches, pools and the allocator filling). Also recorded: the load's latency and errors,
the load average, and which other processes on the machine used the most CPU meanwhile.

Writes bench/results/soak.json and soak.md (``--label`` names them otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import pathlib
import re
import subprocess
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import httpx

from bench import report

HOME, USER = "/api/v1/timelines/home", "/api/v1/accounts/{id}/statuses"
# a day's mix of a client: mostly reading, a third writing; favourites go to the composers'
# statuses, so that the composers' notifications fill while they are read
MIX: list[dict[str, Any]] = [
    {"weight": 0.35, "method": "GET", "path": HOME, "tokens": "readers"},
    {"weight": 0.2, "method": "GET", "path": USER, "tokens": "readers"},
    {"weight": 0.15, "method": "GET", "path": "/api/v1/notifications", "tokens": "composers"},
    {"weight": 0.1, "method": "POST", "path": "/api/v1/statuses", "tokens": "composers"},
    {"weight": 0.1, "method": "POST", "path": "/api/v1/statuses/{status}/favourite", "tokens": "readers",
     "body": False},
    {"weight": 0.1, "method": "POST", "path": "/api/v1/statuses/{status}/unfavourite", "tokens": "readers",
     "body": False},
]  # fmt: skip
TICKS = os.sysconf("SC_CLK_TCK")
JAVA_CLASS = re.compile(r"^[a-z][\w]*(\.[a-z][\w]*)*\.[A-Z]\w*$")  # org.apache.cassandra.service.CassandraDaemon
WORD = re.compile(r"^[a-z][a-z_-]*$")  # a subcommand: serve, up, embedded
TEST_FILE = re.compile(r"^[\w./-]+\.py$")  # a relative path of a script or test file


# -- the fit ----------------------------------------------------------------------------------------


def growth_mib_per_min(points: Sequence[tuple[float, float]]) -> float | None:
    """The least-squares slope of (seconds, MiB) points, in MiB per minute; None for fewer than two
    distinct times."""
    if len({t for t, _ in points}) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    covariance = sum((t - mean_t) * (m - mean_m) for t, m in points)
    variance = sum((t - mean_t) ** 2 for t, _ in points)
    return covariance / variance * 60


def second_half(points: Sequence[tuple[float, float]], duration_s: float) -> list[tuple[float, float]]:
    """The points from the middle of the run on (the warm-up left out)."""
    return [(t, m) for t, m in points if t >= duration_s / 2]


def by_quarter(points: Sequence[tuple[float, float]], duration_s: float) -> list[float | None]:
    """The growth (MiB per minute) within each quarter of the run, each with the sample at its
    start: whether the growth slows down (levels off) or keeps on."""
    quarter = duration_s / 4
    slopes = []
    for index in range(4):
        window = [(t, m) for t, m in points if index * quarter <= t <= (index + 1) * quarter]
        slope = growth_mib_per_min(window)
        slopes.append(None if slope is None else round(slope, 2))
    return slopes


def summarise(name: str, points: Sequence[tuple[float, float]], duration_s: float) -> dict[str, Any]:
    """One process's row: RSS at the start, at half-time, at the end, the maximum, and the growth
    over the second half."""
    mib = [m for _, m in points]
    warm = second_half(points, duration_s)
    growth = growth_mib_per_min(warm)
    return {
        "process": name,
        "samples": len(points),
        "start_mib": round(mib[0], 1) if mib else None,
        "warm_mib": round(warm[0][1], 1) if warm else None,
        "end_mib": round(mib[-1], 1) if mib else None,
        "max_mib": round(max(mib), 1) if mib else None,
        "growth_mib_per_min": None if growth is None else round(growth, 3),
        "growth_by_quarter": by_quarter(points, duration_s),
    }


# -- /proc ------------------------------------------------------------------------------------------


def rss_mib(pid: int) -> float | None:
    """VmRSS of the process, MiB; None once it is gone."""
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (field 3, the state, is the first)."""
    try:
        text = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """The process and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def label(pid: int) -> str:
    """A short name for a process: its command and, for an interpreter or a JVM, what it runs (no
    argument that could carry an address, a setting or a secret)."""
    try:
        argv = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        comm = pathlib.Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"
    argv = [a for a in argv if a]
    if "java" in comm:  # its main class
        return " ".join(["java", *[a for a in argv if JAVA_CLASS.match(a)][-1:]])
    if comm.startswith("python") or comm in {"rookery", "pytest"}:
        module = argv[argv.index("-m") + 1] if "-m" in argv[:-1] else ""
        words = [a for a in argv[1:] if a != module and (WORD.match(a) or TEST_FILE.match(a))]
        return " ".join(["python", *([module] if module else []), *words[:2]])
    return comm


def cpu_seconds() -> dict[int, float]:
    """CPU time (user + system) each process on the machine has used so far."""
    used = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    return used


def busiest(before: dict[int, float], after: dict[int, float], exclude: set[int], top: int = 8) -> list[str]:
    """The processes (by label) that used the most CPU between two cpu_seconds() readings."""
    by_label: dict[str, float] = {}
    for pid, used in after.items():
        if pid in exclude:
            continue
        by_label[label(pid)] = by_label.get(label(pid), 0.0) + used - before.get(pid, 0.0)
    ranked = sorted(by_label.items(), key=lambda kv: -kv[1])[:top]
    return [f"{name}: {seconds:.0f} CPU s" for name, seconds in ranked if seconds >= 1]


# -- one mode ---------------------------------------------------------------------------------------


async def composer_statuses(base: str, seeded: dict[str, Any]) -> list[str]:
    """Ids of the composers' seeded statuses (what the mix favourites), read over the API."""
    reader = {"Authorization": f"Bearer {seeded['readers'][0]['token']}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        pages = await asyncio.gather(
            *(client.get(USER.format(id=c["id"]), headers=reader, params={"limit": 40}) for c in seeded["composers"])
        )
    return [status["id"] for page in pages for status in page.raise_for_status().json()]


@dataclasses.dataclass
class Samples:
    """RSS over time per process: pid -> [(seconds since the load started, MiB)]."""

    names: dict[int, str] = dataclasses.field(default_factory=dict)
    points: dict[int, list[tuple[float, float]]] = dataclasses.field(default_factory=dict)
    load_average: list[tuple[float, float]] = dataclasses.field(default_factory=list)

    def take(self, root: int, root_name: str, t: float) -> None:
        for pid in process_tree(root):
            mib = rss_mib(pid)
            if mib is None:
                continue
            self.names.setdefault(pid, root_name if pid == root else label(pid))
            self.points.setdefault(pid, []).append((round(t, 1), round(mib, 2)))
        self.load_average.append((round(t, 1), round(os.getloadavg()[0], 2)))


def soak_mode(mode: str, args: argparse.Namespace, stack: dict[str, str], tmp: pathlib.Path) -> dict[str, Any]:
    from bench import suite

    seconds = round(args.minutes * 60)
    seed_args = suite.Plan.of(args.quick).seed_args
    server_env = dict(args.server_env)
    with suite.seeded_server(mode, seed_args, stack, tmp, args.tracemalloc, server_env) as (base, seeded, _):
        root = suite.SERVER_PIDS[base]
        root_name = "rookery up" if mode == "embedded" else "rookery serve --role all"
        spec = {
            "base": base,
            "readers": [r["token"] for r in seeded["readers"]],
            "composers": [c["token"] for c in seeded["composers"]],
            "users": seeded["posters"],
            "statuses": asyncio.run(composer_statuses(base, seeded)),
            "mix": MIX,
        }
        spec_path = tmp / f"{mode}-soak.json"
        spec_path.write_text(json.dumps(spec))
        argv = [suite.PY, "-m", "bench.loadgen", "--spec", str(spec_path), "--rate", str(args.rate)]
        argv += ["--seconds", str(seconds), "--connections", "32"]
        suite.log(f"{mode}: {args.rate} req/s for {seconds} s, RSS every {args.interval} s")
        samples = Samples()
        cpu_before = cpu_seconds()
        started = time.monotonic()
        samples.take(root, root_name, 0.0)
        load = subprocess.Popen(
            suite.pinned(suite.LOAD_CPU, argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=suite.ROOT
        )
        next_at = started + args.interval
        while load.poll() is None:
            time.sleep(max(0.0, min(1.0, next_at - time.monotonic())))
            if time.monotonic() >= next_at and time.monotonic() - started <= seconds + 1:
                samples.take(root, root_name, time.monotonic() - started)
                next_at += args.interval
                if len(samples.load_average) % 6 == 1:
                    mib = samples.points[root][-1][1]
                    suite.log(f"{mode}: {time.monotonic() - started:.0f} s, server {mib:.1f} MiB")
        out, err = load.communicate(timeout=120)
        lines = [line for line in out.decode().splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"loadgen failed: {err.decode()[-2000:]}")
        result: dict[str, Any] = json.loads(lines[-1])
        others = busiest(cpu_before, cpu_seconds(), {*samples.points, load.pid, os.getpid()})
    processes = [summarise(samples.names[pid], points, seconds) for pid, points in samples.points.items()]
    for row in processes:
        suite.log(f"{mode}: {row}")
    return {
        "mode": mode,
        "rate": args.rate,
        "seconds": seconds,
        "interval_s": args.interval,
        "statuses_favourited": len(spec["statuses"]),
        "load": result,
        "processes": processes,
        "rss": {samples.names[pid]: points for pid, points in samples.points.items()},
        "load_average": samples.load_average,
        "busiest_other_processes": others,
    }


# -- the report -------------------------------------------------------------------------------------


def markdown(data: dict[str, Any]) -> str:
    machine = data["machine"]
    lines = [
        f"# Rookery memory soak ({data['label']})",
        "",
        f"Commit `{data['commit']}`. Machine: {machine['cpu_model']}, {machine['cores']} cores,"
        f" {machine['memory_gib']} GiB; load average at start {machine['load_average_start']}.",
        f"Command: `{data['command']}`.",
        "",
        "Per mode: `make bench`'s seeded graph, the server pinned to CPU 0, bench.loadgen on CPU 1 at a"
        " fixed open-loop rate: " + ", ".join(f"{k['method']} {k['path']} {k['weight']:.0%}" for k in MIX) + ".",
        "VmRSS of the server and every process below it every interval; growth = least-squares slope"
        " over the second half of the run (the first half is warm-up), and within each quarter.",
        "",
        "| mode | process | samples | start MiB | at half-time MiB | end MiB | max MiB"
        " | growth MiB/min (2nd half) | MiB/min by quarter |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in data["runs"]:
        for row in run["processes"]:
            cells = [run["mode"], row["process"], row["samples"], row["start_mib"], row["warm_mib"]]
            quarters = " / ".join("-" if q is None else f"{q:g}" for q in row.get("growth_by_quarter", []))
            cells += [row["end_mib"], row["max_mib"], row["growth_mib_per_min"], quarters]
            lines.append("| " + " | ".join("-" if c is None else str(c) for c in cells) + " |")
    lines += ["", "| mode | rate req/s | minutes | sent | ok | errors | achieved req/s | p50 ms | p99 ms |",
              "|---|---:|---:|---:|---:|---|---:|---:|---:|"]  # fmt: skip
    for run in data["runs"]:
        load = run["load"]
        cells = [
            run["mode"], run["rate"], round(run["seconds"] / 60, 1), load["sent"], load["ok"],
            json.dumps(load["errors"]) if load["errors"] else "0", round(load["achieved_rps"], 1),
            _ms(load["p50_ms"]), _ms(load["p99_ms"]),
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines.append("")
    for run in data["runs"]:
        averages = [a for _, a in run["load_average"]]
        if averages:
            lines.append(
                f"- {run['mode']}: 1-minute load average {min(averages)}-{max(averages)}"
                f" (mean {sum(averages) / len(averages):.2f}) during the run; the other processes"
                " (still running at the end) that used the most CPU meanwhile: "
                + ("; ".join(run["busiest_other_processes"]) or "none")
                + "."
            )
    for note in data.get("notes", []):
        lines.append(f"- {note}")
    return "\n".join(lines) + "\n"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# -- the command ------------------------------------------------------------------------------------


def env_pair(text: str) -> tuple[str, str]:
    """NAME=VALUE, as --server-env takes it."""
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--modes", default="production,embedded")
    parser.add_argument("--rate", type=float, default=20, help="requests per second, open loop (below the peak)")
    parser.add_argument("--interval", type=float, default=10, help="seconds between RSS samples")
    parser.add_argument("--quick", action="store_true", help="`make bench --quick`'s smaller graph")
    parser.add_argument(
        "--tracemalloc",
        type=pathlib.Path,
        metavar="DIR",
        help="run the server under bench.memtrace: what grew, every minute, in DIR/MODE/ (slows it down)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        type=env_pair,
        metavar="NAME=VALUE",
        help="set in the server's environment (e.g. MALLOC_ARENA_MAX=2); repeatable",
    )
    parser.add_argument("--label", default="soak", help="results file name (bench/results/LABEL.json/.md)")


def run(args: argparse.Namespace) -> int:
    from bench import suite

    modes = [m for m in args.modes.split(",") if m]
    machine = report.machine_info()
    stack: dict[str, str] = {}
    if "production" in modes:
        from e2e.stack import runner

        services = ["postgres", "redis", "kafka", "cassandra"]
        runner.up(services, out=suite.log)
        stack = runner.env(services)
    runs, notes = [], []
    with tempfile.TemporaryDirectory(prefix="rookery-soak-") as tmp_name:
        for mode in modes:
            try:
                runs.append(soak_mode(mode, args, stack, pathlib.Path(tmp_name)))
            except Exception as exc:  # the other mode's run is still written
                suite.log(f"{mode}: failed: {exc}")
                notes.append(f"{mode}: failed: {str(exc)[:300]}")
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    command = f"python -m bench soak --minutes {args.minutes:g} --modes {args.modes} --rate {args.rate:g}"
    command += f" --interval {args.interval:g}" + (" --quick" if args.quick else "")
    command += "".join(f" --server-env {name}={value}" for name, value in args.server_env)
    data = {
        "label": args.label,
        "command": command,
        "machine": machine,
        "commit": report.git_commit(suite.ROOT),
        "runs": runs,
        "notes": notes,
    }
    suite.RESULTS.mkdir(parents=True, exist_ok=True)
    (suite.RESULTS / f"{args.label}.json").write_text(json.dumps(data, indent=1) + "\n")
    (suite.RESULTS / f"{args.label}.md").write_text(markdown(data))
    print(markdown(data))
    return 0 if runs and not notes else 1
