"""Compose (POST /api/v1/statuses) before and after a change, in one run, alternating.

    .venv/bin/python -m bench.compose_ab --variant before=/tmp/base --variant after=. \
        [--modes production,apart,embedded] [--rounds 3] [--seconds 6] [--trips 100] [--out FILE]

Modes: ``production`` is ``rookery serve --role all`` (every consumer group in the process that
answers); ``apart`` is ``rookery serve --role accounts,graph,posts`` answering (it keeps the posts
role's own groups, streaming and conversations, and relays the outbox) with the other consumers in
``rookery worker`` processes of their own (WORKERS_APART), as the split topology runs them;
``embedded`` is ``rookery up``. The answering process is pinned to CPU 0; this driver, wrk,
bench.loadgen and the workers to CPU 1 (``taskset``, as bench/suite.py does; ``--no-pin``: not).

Each variant is a source tree (its workloads/, operator/, inference/ go first on the server's
PYTHONPATH); every (mode, variant) server runs at once on a fresh tenant, seeded alike over HTTP
(an author with 20 followers). Then, round by round and alternating between the variants:
  peak:  wrk -t1 -c16 POST /api/v1/statuses as the author (closed loop), requests/s;
  70%:   bench.loadgen at 0.7 of that round's peak (open loop, coordinated-omission corrected),
         achieved req/s and p50/p95/p99;
  fixed: with ``--rates``, bench.loadgen at each of those rates too.
After each phase the server is left to go idle (its consumers catch up; the seconds are reported
as ``settle_s``; in ``apart`` the workers' CPU counts too): in ``serve --role all`` the consumers
share the process with the requests.
``--trips N``: then N composes one at a time, and N more ``--trips-concurrency`` at a time (16: the
consumers fetch batches of several records), on each production and apart server, with the round
trips to each store counted in the server (bench/tripcount; in ``apart`` the workers' summed apart
from the answering process's), split into the request's own and the background's (relay,
consumers), per compose. Not a test: no pass/fail.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from bench.common import FAST_ENV, cpu_seconds, free_port, wait_ready, write_report, wrk_latency
from bench.compare_modes import COMPOSE_LUA, drop_keyspace, registrar, stack_env, tenant_env
from bench.floor import pinned, stop_all

TRIPCOUNT = pathlib.Path(__file__).with_name("tripcount")
FOLLOWERS = 20
API_ROLES = "accounts,graph,posts"  # compose (posts) and the seeding's follows (graph); gateway comes with them
# the workers that take every other consumer group a post reaches in `serve --role all` (catalogue.WORKERS):
# fanout, notify, index, moderation, analytics + trends
WORKERS_APART = ("fanout", "notify", "index", "moderation", "analytics")
PIN = {"server": "0", "rest": "1"}  # CPUs; emptied by --no-pin
BESIDE = pathlib.Path(sys.executable).with_name("py-spy")
PY_SPY = str(BESIDE) if BESIDE.exists() else "py-spy"  # the venv's, else on PATH


def pin(cpu: str, argv: list[str]) -> list[str]:
    return pinned(cpu, argv) if cpu else argv


class Retry503(httpx.HTTPTransport):
    """Seeding on a loaded machine: a 503 (a store timed out; nothing was stored) is asked again."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(5):
            response = super().handle_request(request)
            if response.status_code != 503 or attempt == 4:
                break
            response.close()
            time.sleep(1 + attempt)
        return response


class Server:
    def __init__(
        self, mode: str, variant: str, root: pathlib.Path, tmp: pathlib.Path, stack: dict[str, str], count: bool
    ) -> None:
        self.mode, self.variant = mode, variant
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.trips_out = tmp / f"trips-{mode}-{variant}.json"
        data = tmp / f"data-{mode}-{variant}"
        paths = [str(root / "workloads"), str(root / "operator"), str(root / "inference"), str(root)]
        env = {**os.environ, **FAST_ENV, "PYTHONPATH": os.pathsep.join(paths)}
        cli = [sys.executable, "-m", "rookery.workloads.cli"]
        self.workers: list[tuple[str, subprocess.Popen[bytes], str]] = []  # name, process, base URL
        if mode == "embedded":
            argv = [*cli, "up", "--port", str(self.port), "--data-dir", str(data)]
        else:
            env.update(tenant_env(stack, "cab", str(data), self.base))
            if count:  # the round-trip counter costs a little on every call: only when asked for
                env.update(PYTHONPATH=os.pathsep.join([str(TRIPCOUNT), *paths]))
            subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
            roles = "all" if mode == "production" else API_ROLES
            argv = [*cli, "serve", "--role", roles, "--port", str(self.port)]
        self.env = env
        self.count = count and mode != "embedded"
        trips = {"ROOKERY_TRIPS_OUT": str(self.trips_out)} if self.count else {}
        self.process = subprocess.Popen(pin(PIN["server"], argv), env={**env, **trips})
        self.token = ""

    def start_workers(self) -> None:
        """The ``apart`` mode's workers, once the answering process is up (it applies the embedded
        schema of the data folder they share: started together, their migrations collided)."""
        cli = [sys.executable, "-m", "rookery.workloads.cli"]
        for name in WORKERS_APART if self.mode == "apart" else ():
            port = free_port()
            out = {"ROOKERY_TRIPS_OUT": f"{self.trips_out}.{name}"} if self.count else {}
            worker = subprocess.Popen(
                pin(PIN["rest"], [*cli, "worker", name, "--port", str(port)]), env={**self.env, **out}
            )
            self.workers.append((name, worker, f"http://127.0.0.1:{port}"))

    def pids(self) -> list[int]:
        return [self.process.pid, *(worker.pid for _, worker, _ in self.workers)]

    def stop(self) -> None:
        stop_all([self.process, *(worker for _, worker, _ in self.workers)])
        if self.mode != "embedded":
            with contextlib.suppress(Exception):
                drop_keyspace(self.env)

    def seed(self) -> None:
        """The author's token, once FOLLOWERS accounts follow the author."""
        wait_ready(self.base + "/healthz", self.process, timeout_s=180)
        self.start_workers()
        for _, worker, base in self.workers:  # their consumer groups joined: ready
            wait_ready(base + "/readyz", worker, timeout_s=300)
        with httpx.Client(base_url=self.base, timeout=60, transport=Retry503()) as client:
            register = registrar(client)
            author = register("author")
            me = client.get("/api/v1/accounts/verify_credentials", headers=author).json()
            for i in range(FOLLOWERS):
                client.post(f"/api/v1/accounts/{me['id']}/follow", headers=register(f"follower{i}")).raise_for_status()
            self.token = author["Authorization"][7:]
            for i in range(5):  # warm: the first post loads the in-process models, fills pools
                client.post("/api/v1/statuses", headers=author, json={"status": f"warm {i}"}).raise_for_status()

    def trips(self, count: int, concurrency: int = 1) -> dict[str, float]:
        """Round trips per compose (request path and background) over ``count`` composes, sent
        ``concurrency`` at a time (more than one: the consumers fetch batches of several records)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, timeout=60, headers=headers) as client:

            def compose(n: int) -> int:
                """How many were stored (a 503 on a loaded machine is counted out, not fatal)."""

                def one(i: int) -> bool:
                    return client.post("/api/v1/statuses", json={"status": f"trip {i} #bench"}).is_success

                with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
                    return sum(pool.map(one, range(n)))

            compose(10)
            settle(self)  # the background caught up
            self._dump()
            stored = compose(count)
            time.sleep(1)
            settle(self)
            counts = self._dump()
        per_compose = {key: round(value / max(1, stored), 2) for key, value in sorted(counts.items())}
        return {**per_compose, "composes stored": stored, "composes refused": count - stored}

    def _dump(self) -> dict[str, int]:
        """The counts since the last dump: the answering process's, and the workers' summed (their
        keys start with "workers ")."""
        outs = [(self.process, self.trips_out, "")]
        outs += [(worker, pathlib.Path(f"{self.trips_out}.{name}"), "workers ") for name, worker, _ in self.workers]
        total: dict[str, int] = {}
        for process, out, _ in outs:
            out.unlink(missing_ok=True)
            process.send_signal(signal.SIGUSR1)
        for _, out, prefix in outs:
            for _ in range(100):
                if out.exists():
                    break
                time.sleep(0.05)
            else:
                raise SystemExit(f"{self.mode}/{self.variant}: no round-trip counts in {out}")
            for key, value in json.loads(out.read_text()).items():
                total[prefix + key] = total.get(prefix + key, 0) + value
        return total


def settle(server: Server, idle_share: float = 0.05, limit_s: float = 120.0) -> float:
    """Until the server (and its workers) are idle (the background caught up: fan-out,
    notifications...); the seconds waited."""
    start = time.monotonic()
    before = sum(map(cpu_seconds, server.pids()))
    while time.monotonic() - start < limit_s:
        time.sleep(0.5)
        now = sum(map(cpu_seconds, server.pids()))
        if now - before < 0.5 * idle_share:
            break
        before = now
    return round(time.monotonic() - start, 1)


def spy(server: Server, profile: pathlib.Path | None, phase: str, seconds: int) -> subprocess.Popen[bytes] | None:
    """py-spy on the answering process over a phase (raw, collapsed stacks; every thread)."""
    if profile is None:
        return None
    out = profile / f"{server.mode}-{server.variant}-{phase}.txt"
    return subprocess.Popen(
        [PY_SPY, "record", "-p", str(server.process.pid),
         "-r", "200", "-d", str(seconds), "-f", "raw", "-o", str(out), "--threads", "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def peak_and_latency(
    server: Server,
    tmp: pathlib.Path,
    seconds: int,
    connections: int,
    profile: pathlib.Path | None = None,
    rates: Sequence[float] = (),
) -> dict[str, Any]:
    lua = tmp / f"compose-{server.mode}-{server.variant}.lua"
    lua.write_text(COMPOSE_LUA.format(token=server.token))
    spying = spy(server, profile, "peak", seconds)
    peak = wrk_latency(server.base + "/api/v1/statuses", seconds, connections, str(lua))
    if spying is not None:
        spying.wait(timeout=60)
    peak["settle_s"] = settle(server)
    rate = max(1.0, 0.7 * peak["rps"])
    spec = tmp / f"spec-{server.mode}-{server.variant}.json"
    composers = [server.token]
    mix = [{"weight": 1.0, "method": "POST", "path": "/api/v1/statuses", "tokens": "composers"}]
    spec.write_text(json.dumps({"base": server.base, "mix": mix, "composers": composers, "users": []}))
    spying = spy(server, profile, "at70", seconds)
    cpu_before = [cpu_seconds(pid) for pid in server.pids()]
    out = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", "--spec", str(spec), "--rate", f"{rate:.1f}",
         "--seconds", str(seconds), "--connections", "64"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if spying is not None:
        spying.wait(timeout=60)
    at_70 = json.loads(out.strip().splitlines()[-1])
    at_70["settle_s"] = settle(server)
    # CPU per compose over the run and its settling (the load of the machine stretches waits, not
    # this much): the answering process's, and the workers' together
    used = [cpu_seconds(pid) - before for pid, before in zip(server.pids(), cpu_before, strict=True)]
    stored = max(1, at_70["ok"])
    at_70["cpu_ms_per_compose"] = {"answering": round(1000 * used[0] / stored, 2)}
    if len(used) > 1:
        at_70["cpu_ms_per_compose"]["workers"] = round(1000 * sum(used[1:]) / stored, 2)
    steady = {}
    for fixed in rates:  # open loop at fixed rates: the latency where the background keeps up
        out = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", "--spec", str(spec), "--rate", str(fixed),
             "--seconds", str(seconds), "--connections", "64"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        steady[str(fixed)] = json.loads(out.strip().splitlines()[-1])
        steady[str(fixed)]["settle_s"] = settle(server)
    return {"peak": peak, "at_70": at_70, "fixed": steady}


def summary(rounds: list[dict[str, Any]]) -> dict[str, float]:
    def median(values: Iterator[float | None]) -> float:
        got = [v for v in values if v is not None]
        return round(statistics.median(got), 2) if got else float("nan")

    return {
        "peak_rps": median(r["peak"]["rps"] for r in rounds),
        "rate_70": median(r["at_70"]["rate"] for r in rounds),
        "achieved_70": median(r["at_70"]["achieved_rps"] for r in rounds),
        "p50_ms": median(r["at_70"]["p50_ms"] for r in rounds),
        "p95_ms": median(r["at_70"]["p95_ms"] for r in rounds),
        "p99_ms": median(r["at_70"]["p99_ms"] for r in rounds),
        "errors": sum(sum(r["at_70"]["errors"].values()) + r["peak"]["non_2xx"] for r in rounds),
        **{
            f"p50_ms_at_{rate}": median(r["fixed"][rate]["p50_ms"] for r in rounds)
            for rate in (rounds[0]["fixed"] if rounds else {})
        },
        **{
            f"p99_ms_at_{rate}": median(r["fixed"][rate]["p99_ms"] for r in rounds)
            for rate in (rounds[0]["fixed"] if rounds else {})
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", required=True, help="NAME=SOURCE_ROOT")
    parser.add_argument("--modes", default="production,embedded")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--trips", type=int, default=0, help="count round trips over N composes (see above)")
    parser.add_argument("--trips-concurrency", type=int, default=16, help="the second count's composes at once")
    parser.add_argument("--rates", default="", help="also open loop at these fixed rates (req/s), comma-separated")
    parser.add_argument("--profile", type=pathlib.Path, help="py-spy round 0's peak and 70%% runs here")
    parser.add_argument("--no-pin", action="store_true", help="no taskset: every process on every CPU")
    parser.add_argument("--out", default="bench/results/compose_ab.json")
    args = parser.parse_args()
    variants = [(name, pathlib.Path(root).resolve()) for name, root in (v.split("=", 1) for v in args.variant)]
    modes = args.modes.split(",")
    unknown = set(modes) - {"production", "apart", "embedded"}
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    rates = [float(r) for r in args.rates.split(",") if r]
    if args.profile and not shutil.which(PY_SPY):
        parser.error("--profile needs py-spy (in the venv or on PATH)")
    stack = stack_env() if {"production", "apart"} & set(modes) else {}
    if args.no_pin or (os.cpu_count() or 1) < 2:
        PIN.update(server="", rest="")
    elif PIN["rest"]:  # this driver and what it starts (wrk, bench.loadgen) off the server's CPU
        os.sched_setaffinity(0, {int(PIN["rest"])})
    report: dict[str, Any] = {
        "argv": sys.argv[1:], "pinned": dict(PIN), "load_average_before": os.getloadavg(), "rounds": [],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = pathlib.Path(tmpdir)
        servers = [Server(mode, name, root, tmp, stack, bool(args.trips)) for mode in modes for name, root in variants]
        try:
            for server in servers:
                server.seed()
            for server in servers:
                settle(server)
            for round_ in range(args.rounds):
                order = servers if round_ % 2 == 0 else list(reversed(servers))
                for server in order:
                    profile = args.profile if round_ == 0 and server.mode != "embedded" else None
                    if profile is not None:
                        profile.mkdir(parents=True, exist_ok=True)
                    result = peak_and_latency(server, tmp, args.seconds, args.connections, profile, rates)
                    result.update(mode=server.mode, variant=server.variant, round=round_, load_average=os.getloadavg())
                    print(json.dumps(result), flush=True)
                    report["rounds"].append(result)
            report["summary"] = {
                f"{s.mode}/{s.variant}": summary(
                    [r for r in report["rounds"] if (r["mode"], r["variant"]) == (s.mode, s.variant)]
                )
                for s in servers
            }
            if args.trips:  # one at a time, then CONCURRENCY at a time
                for key, concurrency in (
                    ("trips", 1),
                    (f"trips_{args.trips_concurrency}_at_once", args.trips_concurrency),
                ):
                    report[key] = {
                        f"{s.mode}/{s.variant}": s.trips(args.trips, concurrency)
                        for s in servers
                        if s.mode != "embedded"
                    }
        finally:
            for server in servers:
                server.stop()
    report["load_average_after"] = os.getloadavg()
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
