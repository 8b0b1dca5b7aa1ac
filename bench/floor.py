"""The per-request floor: `rookery up`'s cheapest and hottest reads next to a bare ASGI endpoint.

    .venv/bin/python -m bench.floor [--seconds 5] [--rounds 3] [--connections 32]
        [--tree before=/path/to/other/checkout] [--server uvicorn,granian] [--out FILE]

Starts the bare endpoint (bench/bare_app.py) under each ASGI server asked for, and one `rookery up`
(embedded, rate limits off) per code tree and server (``--tree NAME=PATH``: that checkout's
``workloads`` first on PYTHONPATH; this checkout by default; ``--server uvicorn,granian``: each
under ``ROOKERY_HTTP_SERVER`` set to each; default: as configured, granian), each pinned to CPU 0
(``taskset``) with wrk pinned to CPU 1. Each server is seeded over its own API (one reader
following 20 authors, 200 posts). Then, in alternating rounds, ``wrk -t1`` against:
``GET /api/v1/instance`` (the floor: no token, and its numbers are cached until a write), the
reader's home timeline and an author's statuses (20 per page), and the bare endpoint. Reports
each one's median req/s and latency over the rounds, the ratio to the median of the bare endpoint
under the same ASGI server, the server's CPU time per request (user + system, all threads: steadier
than req/s on a shared core), and each server's resident memory (VmRSS, VmHWM) after the load.
Not a test: no pass/fail; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx

from bench import common
from bench.common import cpu_seconds, free_port
from bench.home_timeline import seed

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVER_CPU, LOAD_CPU = "0", "1"
INSTANCE, HOME = "/api/v1/instance", "/api/v1/timelines/home"


def pinned(cpu: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *argv] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else argv


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) of a process, KiB (the process tree's server: taskset execs)."""
    found: dict[str, int] = {}
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    except OSError:
        pass
    return found


def launcher(command: str, rookery: str = "") -> list[str]:
    """The command line of `rookery up` (``command`` "up") or the bare endpoint ("bare")."""
    return [rookery, "up"] if command == "up" else [sys.executable, "-m", "bench.bare_app"]


def server_env(http_server: str) -> dict[str, str]:
    """The environment that picks ``http_server`` (none: as configured)."""
    return {"ROOKERY_HTTP_SERVER": http_server} if http_server else {}


def tree_env(tree: pathlib.Path) -> dict[str, str]:
    paths = [tree / "workloads", tree / "operator", tree / "inference", tree]
    return {"PYTHONPATH": os.pathsep.join(str(p) for p in paths)}


async def author_id(base: str, token: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        home = (await client.get(HOME, headers=headers)).json()
        return str(home[0]["account"]["id"])


def wrk(
    url: str, seconds: int, connections: int, pids: list[int], script: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:  # fmt: skip
    """wrk's numbers, plus the CPU time per request of the server processes ``pids`` (µs; steadier
    than req/s when other work shares the core: waiting for the CPU costs throughput, not CPU time)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", script]
    before = sum(cpu_seconds(pid) for pid in pids)
    out = subprocess.run(pinned(LOAD_CPU, [*cmd, url]), capture_output=True, text=True, check=True).stdout
    used = sum(cpu_seconds(pid) for pid in pids) - before
    result = common.parse_wrk_output(out)
    result["cpu_us_per_request"] = used / max(1.0, result["rps"] * seconds) * 1e6
    return result


def summary(results: list[dict[str, float]]) -> dict[str, Any]:
    """Medians over the rounds of one target."""
    return {
        "rps": round(statistics.median(r["rps"] for r in results), 1),
        "rps_each_round": [round(r["rps"]) for r in results],
        "p50_ms": statistics.median(r.get("p50_ms", 0.0) for r in results),
        "p99_ms": statistics.median(r.get("p99_ms", 0.0) for r in results),
        "cpu_us_per_request": round(statistics.median(r["cpu_us_per_request"] for r in results), 1),
        "non_2xx": sum(r["non_2xx"] for r in results),
    }


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def finish(report: dict[str, Any], out: str, render: Any) -> int:
    """Writes the report (with the load average and the time) as JSON to ``out``; prints ``render``'s table."""
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report["cpus"] = os.cpu_count()
    report["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    common.write_report(report, out, show=False)
    print(render(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH of another checkout")
    parser.add_argument("--server", default="", help="comma-separated ASGI servers (uvicorn, granian)")
    parser.add_argument("--out", default="bench/results/floor.json")
    args = parser.parse_args(argv)
    trees = [("this", ROOT)] + [
        (name, pathlib.Path(path).resolve()) for name, _, path in (t.partition("=") for t in args.tree)
    ]
    http_servers = [s for s in args.server.split(",") if s] or [""]
    rookery = str(pathlib.Path(sys.executable).with_name("rookery"))
    processes: list[subprocess.Popen[bytes]] = []
    targets: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rookery-floor-") as tmp:
        try:
            for http_server in http_servers:  # the bare endpoint under each server asked for
                bare_port = free_port()
                bare = subprocess.Popen(
                    pinned(SERVER_CPU, [*launcher("bare"), "--port", str(bare_port)]),
                    cwd=ROOT, env={**os.environ, **tree_env(ROOT), **server_env(http_server)},
                )  # fmt: skip
                processes.append(bare)
                bare_url = f"http://127.0.0.1:{bare_port}/"
                common.wait_ready(bare_url, bare)
                label = "bare" + (f"/{http_server}" if http_server else "")
                targets.append({"name": "bare ASGI endpoint", "server": label, "url": bare_url, "pid": bare.pid})
            for tree_name, tree in trees:
                for http_server in http_servers:
                    port = free_port()
                    label = tree_name + (f"/{http_server}" if http_server else "")
                    env = {
                        **os.environ, **common.FAST_ENV, **tree_env(tree), **server_env(http_server),
                        "ROOKERY_PUBLIC_URL": f"http://127.0.0.1:{port}",
                    }  # fmt: skip
                    data = f"{tmp}/{label.replace('/', '-')}"
                    argv = [*launcher("up", rookery), "--port", str(port), "--data-dir", data]
                    process = subprocess.Popen(
                        pinned(SERVER_CPU, argv),
                        cwd=tree, env=env, stdout=subprocess.DEVNULL,
                    )  # fmt: skip
                    processes.append(process)
                    base = f"http://127.0.0.1:{port}"
                    common.wait_ready(base + "/healthz", process)
                    token = asyncio.run(seed(base))
                    account = asyncio.run(author_id(base, token))
                    script = pathlib.Path(tmp) / f"{label.replace('/', '-')}.lua"
                    script.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
                    for name, path, lua in (
                        ("GET /api/v1/instance", INSTANCE, None),
                        ("GET /api/v1/timelines/home", HOME, str(script)),
                        ("GET /api/v1/accounts/:id/statuses", f"/api/v1/accounts/{account}/statuses", str(script)),
                    ):
                        url = base + path
                        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200, url
                        targets.append({"name": name, "server": label, "url": url, "lua": lua, "pid": process.pid})
            for target in targets:  # warm every cache and connection once
                wrk(target["url"], 1, args.connections, [target["pid"]], target.get("lua"))
            runs: dict[int, list[dict[str, float]]] = {i: [] for i in range(len(targets))}
            order = list(range(len(targets)))
            for round_ in range(args.rounds):
                for i in order if round_ % 2 == 0 else reversed(order):
                    url, pid, lua = targets[i]["url"], targets[i]["pid"], targets[i].get("lua")
                    runs[i].append(wrk(url, args.seconds, args.connections, [pid], lua))
            memory = {target["server"]: memory_kib(target["pid"]) for target in targets}
        finally:
            stop_all(processes)
    rows = []
    bare_rps = {
        target["server"].partition("/")[2]: statistics.median(r["rps"] for r in runs[i])
        for i, target in enumerate(targets)
        if target["server"].startswith("bare")
    }
    for i, target in enumerate(targets):
        row = {"endpoint": target["name"], "server": target["server"], **summary(runs[i])}
        bare = bare_rps.get(target["server"].partition("/")[2]) or next(iter(bare_rps.values()))
        row["ratio_to_bare"] = round(row["rps"] / bare, 3)  # the bare endpoint under the same ASGI server
        rows.append(row)
    wrk_note = f"-t1 -c{args.connections} -d{args.seconds}s, {args.rounds} alternating rounds, medians"
    return finish({"rows": rows, "memory_kib_after_load": memory, "wrk": wrk_note}, args.out, markdown)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| server | endpoint | req/s (median) | each round | p50 ms | p99 ms | × bare | server CPU µs/req |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['server']} | {row['endpoint']} | {row['rps']:,.0f} | {row['rps_each_round']} |"
            f" {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['ratio_to_bare']:.3f}"
            f" | {row['cpu_us_per_request']:.0f} |"
        )
    lines.append("")
    lines.append("| server | VmRSS MiB after load | VmHWM MiB |")
    lines.append("|---|---:|---:|")
    for server, mem in report["memory_kib_after_load"].items():
        lines.append(f"| {server} | {mem.get('VmRSS', 0) / 1024:.1f} | {mem.get('VmHWM', 0) / 1024:.1f} |")
    lines.append(f"\nwrk {report['wrk']}; load average at the end {report['load_average_end']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
