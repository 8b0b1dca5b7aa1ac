"""What the split topology's gateway adds per request: the same role process asked directly and
through `rookery serve --role gateway`, on loopback.

    .venv/bin/python -m bench.split_hop [--seconds 5] [--rounds 3] [--out FILE]
    .venv/bin/python -m bench.split_hop --in-process [--requests 2000]

Starts one role process (`rookery serve --role accounts`, ROOKERY_TOPOLOGY=split, embedded
stores in a temporary directory) and a gateway in front of it (ROOKERY_ROLE_URL_ACCOUNTS), both
pinned to CPU 0 with wrk on CPU 1, and one signed-in account. Then, in alternating rounds, wrk
against ``GET /api/v1/instance`` and ``GET /api/v1/accounts/:id`` (a cached account entity) at
the role directly (with the internal credential, as the gateway sends it) and through the gateway:
with one connection (``-c1``: each request's own latency, nothing queued; the hop's added p50/p99)
and with 32 (throughput). Reports medians over the rounds and the differences, the CPU time per
request of the processes on the path, and their memory. Not a test: no pass/fail.

``--in-process``: the gateway's own CPU time per proxied request, steadier on a shared machine:
its app (create_gateway_app) called over ASGI in this process, 1, 8 and 32 requests at a time,
proxying ``GET /api/v1/instance`` to a bare endpoint (bench/bare_app.py) in another process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx

from bench import common
from bench.common import free_port
from bench.floor import SERVER_CPU, finish, memory_kib, pinned, stop_all, summary, wrk
from bench.gateway import call
from e2e.forms import app_form, bearer, grant, signup

TOKEN = "bench-internal-token"
HEADERS = [(b"host", b"127.0.0.1:8080"), (b"accept", b"*/*")]


async def register(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        app = (await client.post("/api/v1/apps", data=app_form("bench", "read write"))).json()
        form = grant(app, "client_credentials", scope="read write")
        app_token = (await client.post("/oauth/token", data=form)).json()["access_token"]
        form = signup("hop", "bench password")
        response = await client.post("/api/v1/accounts", headers=bearer(app_token), data=form)
        return str(response.json()["access_token"])


async def in_process(requests: int, port: int) -> None:
    """The gateway app in this process in front of the upstream on ``port``."""
    from rookery.workloads.api import ops
    from rookery.workloads.api.proxy import create_gateway_app
    from rookery.workloads.bootstrap import build
    from rookery.workloads.settings import Settings

    settings = Settings(
        data_dir=pathlib.Path(tempfile.mkdtemp(prefix="rookery-hop-")), topology="split", internal_token=TOKEN,
        role_url_accounts=f"http://127.0.0.1:{port}", rate_limits_enabled=False, log_level="warning",
    )  # fmt: skip
    container = build(settings, ("gateway", "accounts"))
    app = create_gateway_app(container)
    ops.install(app, container)
    async with app.router.lifespan_context(app):
        for _ in range(200):
            assert await call(app, "/api/v1/instance", HEADERS) == 200
        for concurrency in (1, 8, 32):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(requests // concurrency):
                await asyncio.gather(*(call(app, "/api/v1/instance", HEADERS) for _ in range(concurrency)))
            done = requests // concurrency * concurrency
            print(
                f"{concurrency:2d} in flight: {(time.process_time() - cpu) / done * 1e6:6.0f} us CPU,"
                f" {(time.perf_counter() - wall) / done * 1e6:6.0f} us wall per proxied request",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-process", action="store_true", help="the gateway's CPU per request, in process")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="bench/results/split_hop.json")
    args = parser.parse_args(argv)
    if args.in_process:
        port = free_port()
        upstream = subprocess.Popen([sys.executable, "-m", "bench.bare_app", "--port", str(port)])
        try:
            common.wait_ready(f"http://127.0.0.1:{port}/", upstream)
            asyncio.run(in_process(args.requests, port))
        finally:
            stop_all([upstream])
        return 0
    rookery = str(pathlib.Path(sys.executable).with_name("rookery"))
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="rookery-hop-") as tmp:
        role_port, gateway_port = free_port(), free_port()
        role_url, gateway_url = f"http://127.0.0.1:{role_port}", f"http://127.0.0.1:{gateway_port}"
        env = {
            **os.environ, **common.FAST_ENV, "ROOKERY_DATA_DIR": f"{tmp}/data", "ROOKERY_TOPOLOGY": "split",
            "ROOKERY_INTERNAL_TOKEN": TOKEN, "ROOKERY_PUBLIC_URL": gateway_url,
            "ROOKERY_ROLE_URL_ACCOUNTS": role_url,
        }  # fmt: skip
        try:
            for role_name, port, url in (("accounts", role_port, role_url), ("gateway", gateway_port, gateway_url)):
                process = subprocess.Popen(
                    pinned(SERVER_CPU, [rookery, "serve", "--role", role_name, "--port", str(port)]),
                    env=env, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                processes.append(process)
                common.wait_ready(url + "/healthz", process, timeout_s=180)
            role, gateway = processes
            token = asyncio.run(register(gateway_url))
            me = httpx.get(
                gateway_url + "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ).json()  # fmt: skip
            targets: list[dict[str, Any]] = []
            for path in ("/api/v1/instance", f"/api/v1/accounts/{me['id']}"):
                for via, base, sent, pids in (
                    ("direct", role_url, {"X-Rookery-Internal": TOKEN}, [role.pid]),  # as the gateway sends it
                    ("gateway", gateway_url, {}, [role.pid, gateway.pid]),
                ):
                    status = httpx.get(base + path, headers=sent, timeout=30).status_code
                    assert status == 200, (via, path, status)
                    targets.append({"path": path, "via": via, "url": base + path, "headers": sent, "pids": pids})
            for target in targets:
                wrk(target["url"], 1, 8, target["pids"], headers=target["headers"])
            runs: dict[tuple[int, int], list[dict[str, float]]] = {}
            for round_ in range(args.rounds):
                order = range(len(targets)) if round_ % 2 == 0 else reversed(range(len(targets)))
                for i in order:
                    for connections in (1, 32):
                        url, pids, sent = targets[i]["url"], targets[i]["pids"], targets[i]["headers"]
                        result = wrk(url, args.seconds, connections, pids, headers=sent)
                        runs.setdefault((i, connections), []).append(result)
            memory = {"role": memory_kib(role.pid), "gateway": memory_kib(gateway.pid)}
        finally:
            stop_all(processes)
    rows = [
        {"path": targets[i]["path"], "via": targets[i]["via"], "connections": connections, **summary(results)}
        for (i, connections), results in sorted(runs.items())
    ]
    wrk_note = f"-t1 -d{args.seconds}s, -c1 and -c32, {args.rounds} alternating rounds, medians"
    return finish({"rows": rows, "memory_kib_after_load": memory, "wrk": wrk_note}, args.out, markdown)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| path | via | connections | req/s | p50 ms | p99 ms | CPU µs/req (all processes) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['path']} | {row['via']} | {row['connections']} | {row['rps']:,.0f} | {row['p50_ms']:.2f}"
            f" | {row['p99_ms']:.2f} | {row['cpu_us_per_request']:.0f} |"
        )
    by = {(r["path"], r["via"], r["connections"]): r for r in report["rows"]}
    lines.append("")
    lines.append("| path | added by the gateway, -c1: p50 ms | p99 ms | CPU µs/req |")
    lines.append("|---|---:|---:|---:|")
    for path in dict.fromkeys(r["path"] for r in report["rows"]):
        direct, via = by.get((path, "direct", 1)), by.get((path, "gateway", 1))
        if direct and via:
            lines.append(
                f"| {path} | {via['p50_ms'] - direct['p50_ms']:+.2f} | {via['p99_ms'] - direct['p99_ms']:+.2f}"
                f" | {via['cpu_us_per_request'] - direct['cpu_us_per_request']:+.0f} |"
            )
    lines.append(f"\nwrk {report['wrk']}; load average at the end {report['load_average_end']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
