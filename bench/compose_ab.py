"""Compose (POST /api/v1/statuses) before and after a change, in one run, alternating.

    .venv/bin/python -m bench.compose_ab --variant before=/tmp/base --variant after=. \
        [--modes production,embedded] [--rounds 3] [--seconds 6] [--trips 100] [--out FILE]

Each variant is a source tree (its workloads/, operator/, inference/ go first on the server's
PYTHONPATH); every (mode, variant) server runs at once on a fresh tenant, seeded alike over HTTP
(an author with 20 followers). Then, round by round and alternating between the variants:
  peak:  wrk -t1 -c16 POST /api/v1/statuses as the author (closed loop), requests/s;
  70%:   bench.loadgen at 0.7 of that round's peak (open loop, coordinated-omission corrected),
         achieved req/s and p50/p95/p99;
  fixed: with ``--rates``, bench.loadgen at each of those rates too.
After each phase the server is left to go idle (its consumers catch up; the seconds are reported
as ``settle_s``): in ``serve --role all`` the consumers share the process with the requests.
``--trips N``: then N composes one at a time on each production server, with the round trips to
each store counted in the server (bench/tripcount), split into the request's own and the
background's (relay, consumers), per compose. Not a test: no pass/fail.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from bench.common import FAST_ENV, free_port, wait_ready, write_report, wrk_latency
from bench.compare_modes import COMPOSE_LUA, drop_keyspace, registrar, stack_env, tenant_env

TRIPCOUNT = pathlib.Path(__file__).with_name("tripcount")
FOLLOWERS = 20


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
        if mode == "embedded":
            argv = [sys.executable, "-m", "rookery.workloads.cli", "up", "--port", str(self.port)]
            argv += ["--data-dir", str(data)]
        else:
            env.update(tenant_env(stack, "cab", str(data), self.base))
            if count:  # the round-trip counter costs a little on every call: only when asked for
                env.update(ROOKERY_TRIPS_OUT=str(self.trips_out), PYTHONPATH=os.pathsep.join([str(TRIPCOUNT), *paths]))
            cli = [sys.executable, "-m", "rookery.workloads.cli"]
            subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
            argv = [*cli, "serve", "--role", "all", "--port", str(self.port)]
        self.env = env
        self.process = subprocess.Popen(argv, env=env)
        self.token = ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.mode == "production":
            with contextlib.suppress(Exception):
                drop_keyspace(self.env)

    def seed(self) -> None:
        """The author's token, once FOLLOWERS accounts follow the author."""
        wait_ready(self.base + "/healthz", self.process)
        with httpx.Client(base_url=self.base, timeout=60) as client:
            register = registrar(client)
            author = register("author")
            me = client.get("/api/v1/accounts/verify_credentials", headers=author).json()
            for i in range(FOLLOWERS):
                client.post(f"/api/v1/accounts/{me['id']}/follow", headers=register(f"follower{i}")).raise_for_status()
            self.token = author["Authorization"][7:]
            for i in range(5):  # warm: the first post loads the in-process models, fills pools
                client.post("/api/v1/statuses", headers=author, json={"status": f"warm {i}"}).raise_for_status()

    def trips(self, count: int) -> dict[str, float]:
        """Round trips per compose (request path and background) over ``count`` sequential composes."""
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, timeout=60, headers=headers) as client:

            def compose(n: int) -> None:
                for i in range(n):
                    client.post("/api/v1/statuses", json={"status": f"trip {i} #bench"}).raise_for_status()

            compose(10)
            time.sleep(3)  # the background settles
            self._dump()
            compose(count)
            time.sleep(3)
            counts = self._dump()
        return {key: round(value / count, 2) for key, value in sorted(counts.items())}

    def _dump(self) -> dict[str, int]:
        self.trips_out.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        for _ in range(100):
            if self.trips_out.exists():
                return dict(json.loads(self.trips_out.read_text()))
            time.sleep(0.05)
        raise SystemExit(f"{self.mode}/{self.variant}: no round-trip counts (is bench/tripcount on its path?)")


def cpu_seconds(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(server: Server, idle_share: float = 0.05, limit_s: float = 120.0) -> float:
    """Until the server is idle (the background caught up: fan-out, notifications...); the seconds waited."""
    start = time.monotonic()
    before = cpu_seconds(server.process.pid)
    while time.monotonic() - start < limit_s:
        time.sleep(0.5)
        now = cpu_seconds(server.process.pid)
        if now - before < 0.5 * idle_share:
            break
        before = now
    return round(time.monotonic() - start, 1)


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
    spy = None
    if profile is not None:  # py-spy over the peak run (raw, collapsed stacks; every thread)
        out = profile / f"{server.mode}-{server.variant}.txt"
        spy = subprocess.Popen(
            [str(pathlib.Path(sys.executable).with_name("py-spy")), "record", "-p", str(server.process.pid),
             "-r", "200", "-d", str(seconds), "-f", "raw", "-o", str(out), "--threads", "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    peak = wrk_latency(server.base + "/api/v1/statuses", seconds, connections, str(lua))
    if spy is not None:
        spy.wait(timeout=60)
    peak["settle_s"] = settle(server)
    rate = max(1.0, 0.7 * peak["rps"])
    spec = tmp / f"spec-{server.mode}-{server.variant}.json"
    composers = [server.token]
    mix = [{"weight": 1.0, "method": "POST", "path": "/api/v1/statuses", "tokens": "composers"}]
    spec.write_text(json.dumps({"base": server.base, "mix": mix, "composers": composers, "users": []}))
    out = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", "--spec", str(spec), "--rate", f"{rate:.1f}",
         "--seconds", str(seconds), "--connections", "64"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    at_70 = json.loads(out.strip().splitlines()[-1])
    at_70["settle_s"] = settle(server)
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
    parser.add_argument("--trips", type=int, default=0)
    parser.add_argument("--rates", default="", help="also open loop at these fixed rates (req/s), comma-separated")
    parser.add_argument("--profile", type=pathlib.Path, help="py-spy the first round's peak into this folder")
    parser.add_argument("--out", default="bench/results/compose_ab.json")
    args = parser.parse_args()
    variants = [(name, pathlib.Path(root).resolve()) for name, root in (v.split("=", 1) for v in args.variant)]
    modes = args.modes.split(",")
    rates = [float(r) for r in args.rates.split(",") if r]
    stack = stack_env() if "production" in modes else {}
    report: dict[str, Any] = {"argv": sys.argv[1:], "load_average_before": os.getloadavg()[0], "rounds": []}
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
                    profile = args.profile if round_ == 0 and server.mode == "production" else None
                    if profile is not None:
                        profile.mkdir(parents=True, exist_ok=True)
                    result = peak_and_latency(server, tmp, args.seconds, args.connections, profile, rates)
                    result.update(mode=server.mode, variant=server.variant, round=round_)
                    print(json.dumps(result), flush=True)
                    report["rounds"].append(result)
            report["summary"] = {
                f"{s.mode}/{s.variant}": summary(
                    [r for r in report["rounds"] if (r["mode"], r["variant"]) == (s.mode, s.variant)]
                )
                for s in servers
            }
            if args.trips:
                report["trips"] = {
                    f"{s.mode}/{s.variant}": s.trips(args.trips) for s in servers if s.mode == "production"
                }
        finally:
            for server in servers:
                server.stop()
    report["load_average_after"] = os.getloadavg()[0]
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
