"""`make bench`: every scenario in embedded and production mode, ceilings, fan-out delivery.

    python -m bench run [--quick] [--modes embedded,production] [--label before]

Writes bench/results/latest.json and latest.md (or <label>.json/.md). Steps, bounded in time:
1. ceilings on this machine, now: a bare ASGI JSON endpoint under uvicorn with Rookery's uvicorn
   settings (HTTP), ``redis-benchmark`` LRANGE_100 (cache), ``pgbench -S`` (database);
2. per mode: a seeded power-law graph loaded through the ports (bench.seed), then the server
   (`rookery up` / `rookery serve --role all` on the stack's PostgreSQL, Redis, Kafka, Cassandra)
   pinned to CPU 0, the load generators to CPU 1 (``taskset``); per scenario, the peak with wrk
   (closed loop, ``--connections``), then p50/p95/p99 at 70% of that peak (writes: of their
   sustained rate, the peak run's requests over its time plus the background work it left, see
   ``drained_s``; a burst rate whose fan-out is still running afterwards is not one the server
   keeps up with), open loop and coordinated-omission corrected: ``oha -q``, one process per
   method of the mix (installed once with cargo, see ``oha_binary``; bench.loadgen without cargo);
   the bare endpoint gets the same oha run at 70% of its own peak, the latency floor of this
   machine and load generator;
3. fan-out delivery: a post by authors with ~100, ~1,000, ~10,000 followers (quick: 10/100/1,000),
   timed from the compose response until every follower's home timeline holds it: the
   TimelineStore polled for every follower when the author is pushed; above the fan-out threshold
   (merged on read) a sample of followers' home timelines read over HTTP.
Ratios: peak req/s over the lowest ceiling on the scenario's path (embedded: HTTP; production
reads: HTTP, cache, database; production writes: HTTP, database). The ``floor-instance`` scenario
(GET /api/v1/instance, the cheapest read) is the per-request floor beside the bare endpoint; the
notes give it as a ratio of the same run, and each server's resident memory after each peak load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import pathlib
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx

from bench import common, report, soak
from bench.common import free_port
from bench.loadgen import latency_summary
from e2e import servers

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PY = sys.executable
ROOKERY = str(pathlib.Path(PY).with_name("rookery"))
FAST_ENV = {
    "ROOKERY_RATE_LIMITS_ENABLED": "false",
    "ROOKERY_LOG_LEVEL": "warning",
    "ROOKERY_PASSWORD_TIME_COST": "1",
    "ROOKERY_PASSWORD_MEMORY_KIB": "8192",
    "ROOKERY_MODELS_WARM_UP": "true",  # as the operator's Deployments run: models load at start
}
SERVER_CPU, LOAD_CPU = "0", "1"
HOME, USER, COMPOSE = "/api/v1/timelines/home", "/api/v1/accounts/{id}/statuses", "/api/v1/statuses"
INSTANCE = "/api/v1/instance"
SCENARIOS: dict[str, list[dict[str, Any]]] = {
    # the per-request floor: what every request pays (server, edge, routing, auth of a cached token,
    # JSON) around the cheapest read there is; its ratio sits next to the bare endpoint's 1.0
    "floor-instance": [{"weight": 1.0, "method": "GET", "path": INSTANCE, "tokens": "readers"}],
    "read-home-timeline": [{"weight": 1.0, "method": "GET", "path": HOME, "tokens": "readers"}],
    "read-user-timeline": [{"weight": 1.0, "method": "GET", "path": USER, "tokens": "readers"}],
    "mixed": [
        {"weight": 0.6, "method": "GET", "path": HOME, "tokens": "readers"},
        {"weight": 0.3, "method": "GET", "path": USER, "tokens": "readers"},
        {"weight": 0.1, "method": "POST", "path": COMPOSE, "tokens": "composers"},
    ],
    "compose-post": [{"weight": 1.0, "method": "POST", "path": COMPOSE, "tokens": "composers"}],
}
WRITES = {"mixed", "compose-post"}


@dataclasses.dataclass(frozen=True)
class Plan:
    quick: bool
    seconds: int
    connections: int
    seed_args: list[str]
    fanout_reps: int
    fanout_timeout_s: float

    @classmethod
    def of(cls, quick: bool) -> Plan:
        if quick:
            return cls(
                True,
                4,
                16,
                [
                    "--accounts",
                    "1001",
                    "--big",
                    "100",
                    "--small",
                    "10",
                    "--posters",
                    "200",
                    "--readers",
                    "40",
                    "--sample",
                    "5",
                ],
                3,
                10.0,
            )
        return cls(
            False,
            8,
            32,
            [
                "--accounts",
                "10001",
                "--big",
                "1000",
                "--small",
                "100",
                "--posters",
                "1000",
                "--readers",
                "80",
                "--sample",
                "8",
            ],
            5,
            20.0,
        )


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def pinned(cpu: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *argv] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else argv


SERVER_PIDS: dict[str, int] = {}  # base URL -> the server's pid (taskset execs it)


def rss_mib(pid: int | None) -> float | None:
    """The process's resident memory now (VmRSS), MiB."""
    if pid is None:
        return None
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


# resident memory of the server (MiB) right after each scenario's peak load: mode -> scenario -> MiB
memory: dict[str, dict[str, float | None]] = {}


def drained_s(
    pid: int | None,
    idle_share: float = 0.05,
    step_s: float = 0.5,
    limit_s: float = 180,
    settled_share: float = 0.3,
    settle_steps: int = 4,
) -> float:
    """Seconds until the process uses under ``idle_share`` of a core over a ``step_s`` step, or has
    settled at its own idle level: ``settle_steps`` steps in a row each under ``settled_share`` of a
    core and within ``idle_share`` of each other (a production process's consumers poll Kafka every
    100 ms, which on some machines alone takes more than ``idle_share``; work left behind runs at a
    core, or moves). How long the background work a burst of writes left behind (fan-out,
    moderation, streaming, notifications, trends) kept it busy after the burst."""
    if pid is None:
        return 0.0
    started = time.monotonic()
    recent: list[float] = []
    while time.monotonic() - started < limit_s:
        try:
            before = common.cpu_seconds(pid)
            time.sleep(step_s)
            after = common.cpu_seconds(pid)
        except (OSError, ValueError, IndexError):  # gone: nothing left to wait for
            after = before = 0.0
        share = (after - before) / step_s
        if share < idle_share:
            return max(0.0, time.monotonic() - started - step_s)
        recent = [*recent, share][-settle_steps:]
        if len(recent) == settle_steps and max(recent) < settled_share and max(recent) - min(recent) < idle_share:
            return max(0.0, time.monotonic() - started - settle_steps * step_s)
    return limit_s


def cpu_wait_ms(pid: int | None) -> float | None:
    """How long the process's threads have been runnable but waiting for a CPU (schedstat's second
    field, summed over threads): what other work on the shared core cost it."""
    if pid is None:
        return None
    total = 0
    try:
        for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e6


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    common.wait_ready(url, process, timeout_s, error=RuntimeError)


@contextlib.contextmanager
def server(
    argv: list[str], env: dict[str, str], port: int, log_path: pathlib.Path, ready_timeout_s: float = 120
) -> Iterator[str]:
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            pinned(SERVER_CPU, argv), env={**os.environ, **env}, stdout=out, stderr=out
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", process, ready_timeout_s)
            SERVER_PIDS[base] = process.pid
            yield base
        finally:
            servers.stop(process, timeout_s=30)


# -- load: wrk (closed loop, peak) and bench.loadgen (open loop, latency) ------------------------------


def wrk_lua(spec: dict[str, Any]) -> str:
    def table(values: list[str]) -> str:
        return "{" + ",".join(json.dumps(v) for v in values) + "}"

    mix = ",".join(
        f'{{w={k["weight"]},m="{k["method"]}",p="{k["path"]}",t="{k["tokens"]}"}}' for k in spec["mix"]
    )
    return f"""
local pools = {{readers={table(spec["readers"])}, composers={table(spec["composers"])}}}
local users = {table(spec["users"])}
local mix = {{{mix}}}
local n = 0
math.randomseed(os.time())
request = function()
  local r, acc, k = math.random(), 0, mix[#mix]
  for i = 1, #mix do acc = acc + mix[i].w; if r <= acc then k = mix[i]; break end end
  local pool = pools[k.t]
  local headers = {{["Authorization"] = "Bearer " .. pool[math.random(#pool)]}}
  local path = string.gsub(k.p, "{{id}}", function() return users[math.random(#users)] end)
  local body = nil
  if k.m == "POST" then
    n = n + 1
    headers["Content-Type"] = "application/json"
    body = '{{"status": "wrk post ' .. n .. ' ' .. math.random(1000000000) .. ' #bench"}}'
  end
  return wrk.format(k.m, path, headers, body)
end
"""


def parse_wrk(out: str) -> dict[str, float]:
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result = {"rps": float(found.group(1)) if found else 0.0}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = float(non_2xx.group(1)) if non_2xx else 0.0
    total = re.search(r"(\d+) requests in", out)
    result["requests"] = float(total.group(1)) if total else 0.0
    return result


def wrk(url: str, seconds: int, connections: int, script: pathlib.Path | None = None) -> dict[str, float]:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if script is not None:
        argv += ["-s", str(script)]
    done = subprocess.run(
        pinned(LOAD_CPU, [*argv, url]), capture_output=True, text=True, timeout=seconds + 30
    )
    return parse_wrk(done.stdout)


OHA_VERSION = "1.16.0"
OHA_HOME = pathlib.Path.home() / ".cache" / "rookery" / "bench"


def oha_binary() -> str | None:
    """``oha`` (Rust package registry), installed once with cargo under ~/.cache/rookery/bench; None without cargo.

    The open-loop latency of every scenario comes from it: bench.loadgen (Python, aiohttp) tops
    out near 1,700 req/s on one core and its own scheduling stalls showed as a p99 of 580 ms against
    the bare ASGI endpoint at 1,000 req/s, which oha serves there with a p99 of a few ms."""
    found = shutil.which("oha") or (str(OHA_HOME / "bin" / "oha") if (OHA_HOME / "bin" / "oha").exists() else None)
    if found or not shutil.which("cargo"):
        return found
    log(f"installing oha {OHA_VERSION} with cargo (once, a few minutes)")
    done = subprocess.run(
        ["cargo", "install", "oha", "--locked", "--version", OHA_VERSION, "--root", str(OHA_HOME)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        log(f"oha install failed, open-loop latency falls back to bench.loadgen: {done.stderr[-500:]}")
        return None
    return str(OHA_HOME / "bin" / "oha")


@dataclasses.dataclass(frozen=True)
class OhaGroup:
    """The requests of one method in a scenario's mix: one oha process sends them at ``share`` of
    the scenario's rate (oha sends one method and one set of headers per run)."""

    method: str
    share: float
    urls: list[str]
    bodies: list[str]  # one JSON body per line, for POST


def oha_groups(spec: dict[str, Any], count: int = 2000) -> list[OhaGroup]:
    """URLs drawn like bench.loadgen draws requests, one group per method, the token as Mastodon's
    ``access_token`` query parameter; unique compose bodies."""
    rng = random.Random(1)
    total = sum(k["weight"] for k in spec["mix"])
    groups = []
    for method in ("GET", "POST"):
        kinds = [k for k in spec["mix"] if k["method"] == method]
        if not kinds:
            continue
        urls = []
        for _ in range(count):
            kind = rng.choices(kinds, [k["weight"] for k in kinds])[0]
            path = kind["path"].replace("{id}", rng.choice(spec["users"]))
            urls.append(f"{spec['base']}{path}?access_token={rng.choice(spec[kind['tokens']])}")
        bodies = (
            [json.dumps({"status": f"oha post {i} {rng.randrange(10**9)} #bench"}) for i in range(5 * count)]
            if method == "POST"
            else []
        )
        groups.append(OhaGroup(method, sum(k["weight"] for k in kinds) / total, urls, bodies))
    return groups


def open_loop_oha(
    oha: str, groups: list[OhaGroup], tmp: pathlib.Path, rate: float, seconds: int, connections: int
) -> dict[str, Any]:
    """oha at a fixed rate with its coordinated-omission correction (latency from the intended
    start, as bench.loadgen measures it), one process per group, all at once, each with all the
    connections (a group's slow writes must not queue behind a share of them); percentiles over
    every successful request of all of them (oha's SQLite record); bench.loadgen's result keys."""
    runs = []
    for index, group in enumerate(groups):
        url_file, db_file = tmp / f"oha-urls-{index}.txt", tmp / f"oha-{index}.db"
        url_file.write_text("\n".join(group.urls) + "\n")
        db_file.unlink(missing_ok=True)
        argv = [
            oha, "-z", f"{seconds}s", "-q", f"{rate * group.share:.1f}", "--latency-correction",
            "-c", str(connections), "-w", "--no-tui",
            "--output-format", "json", "--urls-from-file", str(url_file), "--db-url", str(db_file),
        ]  # fmt: skip
        if group.method != "GET":
            body_file = tmp / f"oha-bodies-{index}.txt"
            body_file.write_text("\n".join(group.bodies) + "\n")
            argv += ["-m", group.method, "-T", "application/json", "-Z", str(body_file)]
        out = (tmp / f"oha-{index}.json").open("w")
        runs.append((subprocess.Popen(pinned(LOAD_CPU, argv), stdout=out, stderr=subprocess.PIPE), out, db_file))
    # oha's threads' wait for a CPU, kept in the result: lateness of the sender counts as latency,
    # but its runtime's threads also wait for each other on the one load CPU, so it is no clean
    # measure of the other work there
    waited: dict[int, float] = {}
    while any(process.poll() is None for process, _, _ in runs):
        for process, _, _ in runs:
            now = cpu_wait_ms(process.pid)
            if now is not None:
                waited[process.pid] = now
        time.sleep(0.1)
    codes: dict[str, int] = {}
    errors: dict[str, int] = {}
    durations: list[float] = []
    elapsed = 0.0
    for index, (process, out, db_file) in enumerate(runs):
        _, stderr = process.communicate(timeout=seconds + 60)
        out.close()
        if process.returncode != 0:
            raise RuntimeError(f"oha failed: {stderr.decode()[-2000:]}")
        data = json.loads((tmp / f"oha-{index}.json").read_text())
        elapsed = max(elapsed, float(data["summary"]["total"] or 0.0))
        for code, n in (data.get("statusCodeDistribution") or {}).items():
            codes[str(code)] = codes.get(str(code), 0) + int(n)
        for error, n in (data.get("errorDistribution") or {}).items():
            errors[str(error)] = errors.get(str(error), 0) + int(n)
        with contextlib.closing(sqlite3.connect(db_file)) as db:  # duration: from the intended start
            durations += [row[0] for row in db.execute("SELECT duration FROM oha WHERE status < 400")]
    errors.update({code: n for code, n in codes.items() if int(code) >= 400})
    ms = sorted(d * 1000 for d in durations)
    return {
        "tool": "oha",
        "rate": rate,
        "ok": len(ms),
        "errors": errors,
        **latency_summary(ms, elapsed),
        "load_cpu_wait_ms": round(sum(waited.values()), 1),
    }


def open_loop(spec_path: pathlib.Path, rate: float, seconds: int, connections: int) -> dict[str, Any]:
    argv = [
        PY,
        "-m",
        "bench.loadgen",
        "--spec",
        str(spec_path),
        "--rate",
        f"{rate:.1f}",
        "--seconds",
        str(seconds),
        "--connections",
        str(connections),
    ]
    done = subprocess.run(
        pinned(LOAD_CPU, argv), capture_output=True, text=True, timeout=seconds + 60, cwd=ROOT
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"loadgen failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# -- ceilings ---------------------------------------------------------------------------------------


def http_ceiling(plan: Plan, tmp: pathlib.Path, oha: str | None = None) -> tuple[float, dict[str, Any] | None]:
    """The bare endpoint's peak and, with oha, its latency at 70% of that peak (the floor that
    the load generator and this machine put under every scenario's p99)."""
    port = free_port()
    with server([PY, "-m", "bench.bare_app", "--port", str(port)], {}, port, tmp / "bare.log") as base:
        wrk(base + "/", 2, plan.connections)
        peak = wrk(base + "/", plan.seconds, plan.connections)["rps"]
        memory.setdefault("bare endpoint", {})["peak"] = rss_mib(SERVER_PIDS.get(base))
        waited = cpu_wait_ms(SERVER_PIDS.get(base))
        latency = (
            open_loop_oha(
                oha, [OhaGroup("GET", 1.0, [base + "/"], [])], tmp, 0.7 * peak, plan.seconds, plan.connections * 2
            )
            if oha
            else None
        )
        after = cpu_wait_ms(SERVER_PIDS.get(base))
        if latency is not None and waited is not None and after is not None:
            latency["server_cpu_wait_ms"] = round(after - waited, 1)
        return peak, latency


def cache_ceiling(plan: Plan, redis_url: str) -> float | None:
    match = re.match(r"redis://(?:[^@]*@)?([^:/]+)(?::(\d+))?", redis_url)
    if not match or not shutil.which("redis-benchmark"):
        return None
    host, port = match.group(1), match.group(2) or "6379"
    argv = [
        "redis-benchmark",
        "-h",
        host,
        "-p",
        port,
        "--dbnum",
        "15",
        "-t",
        "lrange_100",
        "-n",
        str(20_000 if plan.quick else 60_000),
        "-c",
        str(plan.connections),
        "--csv",
    ]
    out = subprocess.run(pinned(LOAD_CPU, argv), capture_output=True, text=True, timeout=120).stdout
    for line in out.splitlines():
        if line.startswith('"LRANGE_100'):
            return float(line.split(",")[1].strip('"'))
    return None


def database_ceiling(plan: Plan, dsn: str) -> float | None:
    if not shutil.which("pgbench") or not shutil.which("psql"):
        return None
    schema = "rookery_pgbench"
    env = {**os.environ, "PGOPTIONS": f"-c search_path={schema}"}
    try:
        subprocess.run(
            ["psql", dsn, "-qc", f"CREATE SCHEMA IF NOT EXISTS {schema}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        subprocess.run(
            ["pgbench", "-i", "-s", "1", "-q", dsn], env=env, check=True, capture_output=True, timeout=120
        )
        argv = ["pgbench", "-S", "-n", "-c", str(plan.connections), "-j", "1", "-T", str(plan.seconds), dsn]
        out = subprocess.run(
            pinned(LOAD_CPU, argv), env=env, capture_output=True, text=True, timeout=plan.seconds + 60
        ).stdout
        found = re.search(r"tps = ([\d.]+)", out)
        return float(found.group(1)) if found else None
    finally:
        from e2e.production_support import drop_postgres_schema

        drop_postgres_schema(dsn, schema)


# -- fan-out delivery ----------------------------------------------------------------------------


async def _timeline_store(mode: str, env: dict[str, str]) -> tuple[Any, Any]:
    """The home TimelineStore the server writes, opened from this process (read only)."""

    if mode == "embedded":
        from rookery.workloads.adapters.sqlite.db import Database
        from rookery.workloads.adapters.sqlite.timelines import SqliteTimelineStore

        db = Database(pathlib.Path(env["ROOKERY_DATA_DIR"]) / "rookery.db")
        await db.connect()
        return SqliteTimelineStore(db), db.close
    from rookery.workloads.adapters.cassandra.session import CassandraSession
    from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore

    session = CassandraSession(
        env["ROOKERY_CASSANDRA_CONTACT_POINTS"],
        env["ROOKERY_CASSANDRA_KEYSPACE"],
        local_dc=env.get("ROOKERY_CASSANDRA_LOCAL_DC", ""),
    )
    store = CassandraTimelineStore(session)  # registers its statements: before connect() prepares them
    await session.connect()
    return store, session.close


async def fanout(base: str, seeded: dict[str, Any], mode: str, env: dict[str, str], plan: Plan) -> list[Any]:
    store, close = await _timeline_store(mode, env)
    rows = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for followers, info in sorted(seeded["fanout"].items(), key=lambda kv: int(kv[0])):
                author = {"Authorization": f"Bearer {info['author']['token']}"}
                samples: list[float] = []
                for rep in range(-1, plan.fanout_reps):  # rep -1 drains earlier posts' fan-out, not counted
                    response = await client.post(
                        COMPOSE, headers=author, json={"status": f"fan-out probe {rep} {uuid.uuid4().hex}"}
                    )
                    returned = time.perf_counter()
                    response.raise_for_status()
                    status_id = int(response.json()["id"])
                    limit = plan.fanout_timeout_s if rep >= 0 else 60.0
                    waiting = await _delivered(client, store, info, status_id, returned + limit)
                    took = time.perf_counter() - returned
                    if rep < 0:
                        continue
                    if waiting:
                        log(f"fan-out {followers}: {waiting} timelines lack the post after {took:.1f}s")
                        took = float("inf")
                    samples.append(took * 1000)
                    await asyncio.sleep(0.2)
                finite = sorted(samples)
                p99 = finite[min(len(finite) - 1, round(0.99 * len(finite) + 0.5) - 1)]
                how = (
                    "merged on read: HTTP sample" if info["merged_on_read"] else "pushed: TimelineStore, all"
                )
                log(f"fan-out {mode} {followers} followers ({how}): {[round(s, 1) for s in samples]} ms")
                rows.append(
                    report.fanout_row(
                        int(followers),
                        mode,
                        p50_ms=_finite(statistics.median(finite)),
                        p99_ms=_finite(p99),
                    )
                )
    finally:
        await close()
    return rows


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _finite(value: float) -> float | None:
    return value if value != float("inf") else None


async def _delivered(
    client: httpx.AsyncClient, store: Any, info: dict[str, Any], status_id: int, deadline: float
) -> int:
    """Poll until every follower's home timeline has the status; how many still lack it at the deadline."""
    waiting: set[Any]
    check: Callable[[Any], Awaitable[bool]]
    if info["merged_on_read"]:
        waiting = {s["token"] for s in info["sample"]}

        async def has(token: str) -> bool:
            page = await client.get(HOME, headers={"Authorization": f"Bearer {token}"}, params={"limit": 5})
            return any(int(s["id"]) == status_id for s in page.json())

        check = has
    else:
        waiting = {int(f) for f in info["followers"]}

        async def stored(owner: int) -> bool:
            return bool(await store.contains(owner, status_id))

        check = stored
    while waiting and time.perf_counter() < deadline:
        found = await asyncio.gather(*(check(w) for w in waiting))
        waiting = {w for w, ok in zip(list(waiting), found, strict=True) if not ok}
        if waiting:
            await asyncio.sleep(0.01)
    return len(waiting)


# -- one mode ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def seeded_server(
    mode: str,
    seed_args: list[str],
    stack: dict[str, str],
    tmp: pathlib.Path,
    tracemalloc_dir: pathlib.Path | None = None,
    server_env: dict[str, str] | None = None,
) -> Iterator[tuple[str, dict[str, Any], dict[str, str]]]:
    """A graph seeded by bench.seed into a fresh data directory (embedded) or a fresh schema and
    keyspace on the stack (production), and the mode's server over it, pinned to SERVER_CPU:
    (base URL, the seed's output, the server's environment). The production schema and keyspace
    are dropped afterwards. With ``tracemalloc_dir`` the server runs under bench.memtrace;
    ``server_env`` is added to the server's environment only (not the seed's)."""
    data_dir = tmp / f"{mode}-data"
    keyspace = ""
    port = free_port()  # before seeding: the tokens' issuer is the server's public URL
    if mode == "embedded":
        env = {
            **FAST_ENV,
            "ROOKERY_DATA_DIR": str(data_dir),
            "ROOKERY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        seed_env = env
    else:
        from e2e.production_support import production_env

        keyspace = "bench_" + uuid.uuid4().hex[:10]
        env = production_env(stack, data_dir, cassandra_keyspace=keyspace)
        env.update(FAST_ENV, ROOKERY_PUBLIC_URL=f"http://127.0.0.1:{port}")
        subprocess.run(
            [ROOKERY, "migrate"], env={**os.environ, **env}, check=True, capture_output=True, timeout=300
        )
        seed_env = {
            k: v for k, v in env.items() if k != "ROOKERY_KAFKA_BOOTSTRAP"
        }  # no consumers in the loader
    try:
        seed_path = tmp / f"{mode}-seed.json"
        log(f"{mode}: seeding")
        concurrency = ["--concurrency", "32" if mode == "embedded" else "12"]  # within the pool sizes
        subprocess.run(
            [PY, "-m", "bench.seed", *seed_args, *concurrency, "--out", str(seed_path)],
            env={**os.environ, **seed_env},
            check=True,
            timeout=900,
            cwd=ROOT,
        )
        seeded = json.loads(seed_path.read_text())
        argv = (
            [ROOKERY, "up", "--port", str(port), "--data-dir", str(data_dir)]
            if mode == "embedded"
            else [ROOKERY, "serve", "--role", "all", "--port", str(port)]
        )
        if tracemalloc_dir is not None:
            argv = [PY, "-m", "bench.memtrace", "--out", str(tracemalloc_dir / mode), "--", *argv[1:]]
        timeout_s = 300 if tracemalloc_dir else 120
        with server(argv, {**env, **(server_env or {})}, port, tmp / f"{mode}-server.log", timeout_s) as base:
            yield base, seeded, env
    finally:
        if mode == "production":
            _drop_production(env, keyspace)


def run_mode(
    mode: str,
    plan: Plan,
    ceilings: dict[str, float | None],
    stack: dict[str, str],
    tmp: pathlib.Path,
    scenarios: list[str],
    oha: str | None = None,
    notes: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    notes = [] if notes is None else notes
    rows: list[dict[str, Any]] = []
    fan: list[dict[str, Any]] = []
    with seeded_server(mode, plan.seed_args, stack, tmp) as (base, seeded, env):
        drained_s(SERVER_PIDS.get(base))  # the models it loads at start, before anything is measured
        base_spec = {
            "base": base,
            "readers": [r["token"] for r in seeded["readers"]],
            "composers": [c["token"] for c in seeded["composers"]],
            "users": seeded["posters"],
        }
        warm = tmp / "warm.lua"
        warm.write_text(wrk_lua({**base_spec, "mix": SCENARIOS["read-home-timeline"]}))
        wrk(base + HOME, 3, plan.connections, warm)  # warm caches and pools
        warm.write_text(wrk_lua({**base_spec, "mix": SCENARIOS["read-user-timeline"]}))
        wrk(base + HOME, 2, plan.connections, warm)
        # reads, then fan-out delivery on an otherwise idle server, then the writes (their
        # posts' fan-out would still be running behind the delivery probes otherwise)
        ordered: list[str | None] = [n for n in scenarios if n not in WRITES]
        ordered += [None, *(n for n in scenarios if n in WRITES)]
        for name in ordered:
            if name is None:
                time.sleep(1)
                fan = asyncio.run(fanout(base, seeded, mode, env, plan))
                continue
            spec = {**base_spec, "mix": SCENARIOS[name]}
            spec_path, lua = tmp / f"{mode}-{name}.json", tmp / f"{mode}-{name}.lua"
            spec_path.write_text(json.dumps(spec))
            lua.write_text(wrk_lua(spec))
            peak = wrk(base + HOME, plan.seconds, plan.connections, lua)
            memory.setdefault(mode, {})[name] = rss_mib(SERVER_PIDS.get(base))  # under load, just after
            if peak["non_2xx"]:
                log(f"{mode} {name}: {peak['non_2xx']:.0f} non-2xx responses under peak load")
            sustained = None
            if name in WRITES:  # its rate counts the background work it left: what the server keeps up with
                drain = drained_s(SERVER_PIDS.get(base))
                sustained = peak["requests"] / (plan.seconds + drain) if peak["requests"] else None
                notes.append(
                    f"{mode} {name}: wrk's {peak['rps']:,.0f} req/s burst left {drain:.1f} s of background work;"
                    f" sustained {sustained or 0:,.0f} req/s, the rate its 70% latency run is paced at"
                )
            rate = max(1.0, 0.7 * (sustained or peak["rps"]))
            waited_before = cpu_wait_ms(SERVER_PIDS.get(base))
            latency = (
                open_loop_oha(oha, oha_groups(spec), tmp, rate, plan.seconds, plan.connections * 2)
                if oha
                else open_loop(spec_path, rate, plan.seconds, plan.connections * 2)
            )
            waited_after = cpu_wait_ms(SERVER_PIDS.get(base))
            if waited_before is not None and waited_after is not None:
                latency["server_cpu_wait_ms"] = round(waited_after - waited_before, 1)
                notes.append(
                    f"{mode} {name}: during the {plan.seconds} s latency run the server waited"
                    f" {waited_after - waited_before:,.0f} ms for a CPU (runnable, not running)"
                )
            if latency["errors"]:
                log(f"{mode} {name}: open-loop errors {latency['errors']}")
            on_path = (
                ["http"]
                if mode == "embedded"
                else (["http", "database"] if name == "compose-post" else ["http", "cache", "database"])
            )
            known = [(ceilings[c], c) for c in on_path if ceilings.get(c)]
            ceiling_rps, ceiling = min(known) if known else (None, on_path[0])
            log(f"{mode} {name}: peak {peak['rps']:.0f} req/s; at {rate:.0f}/s: {latency}")
            rows.append(
                report.scenario_row(
                    name,
                    mode,
                    peak_rps=peak["rps"],
                    sustained_rps=sustained,
                    rps_at_70=latency["achieved_rps"],
                    p50_ms=latency["p50_ms"],
                    p95_ms=latency["p95_ms"],
                    p99_ms=latency["p99_ms"],
                    ceiling=ceiling,
                    ceiling_rps=ceiling_rps,
                )
            )
            if name in WRITES:
                drained_s(SERVER_PIDS.get(base))  # the posts just made finish their fan-out first
    order = {n: i for i, n in enumerate(scenarios)}
    return sorted(rows, key=lambda row: order[row["name"]]), fan


def _drop_production(env: dict[str, str], keyspace: str) -> None:
    from e2e.production_support import drop_cassandra_keyspace, drop_postgres_schema

    drop_cassandra_keyspace(env, keyspace)
    drop_postgres_schema(env["ROOKERY_POSTGRES_DSN"], env["ROOKERY_POSTGRES_SCHEMA"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the benchmarks")
    run.add_argument("--quick", action="store_true", help="smaller graph, shorter runs")
    run.add_argument("--modes", default="embedded,production")
    run.add_argument("--scenarios", default=",".join(SCENARIOS))
    run.add_argument("--label", default="latest", help="results file name (bench/results/LABEL.json/.md)")
    run.add_argument("--no-web", action="store_true", help="skip the web client's bundle size and first paint")
    run.add_argument(
        "--fanout-only",
        action="store_true",
        help="only the fan-out delivery (no scenarios, ceilings, oha or web client)",
    )
    run.add_argument("--fanout-reps", type=int, help="posts per fan-out author (default 5; quick 3)")
    soak.add_arguments(sub.add_parser("soak", help=soak.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    if args.command == "soak":
        return soak.run(args)
    plan = Plan.of(args.quick)
    if args.fanout_reps:
        plan = dataclasses.replace(plan, fanout_reps=args.fanout_reps)
    modes = [m for m in args.modes.split(",") if m]
    scenarios = [] if args.fanout_only else [s for s in args.scenarios.split(",") if s]
    if args.fanout_only:
        args.no_web = True
    machine = report.machine_info()
    machine["quick"] = plan.quick
    machine["notes"] = [
        f"{machine['cores']} cores shared with the real stack's servers and other engineers' test runs; "
        f"server pinned to CPU {SERVER_CPU}, load generators (wrk, oha, bench.loadgen) to CPU {LOAD_CPU}"
        " (taskset)",
        f"peak: wrk -t1 -c{plan.connections} -d{plan.seconds}s (closed loop); latency: open loop at 70%"
        f" of that peak (writes: of their sustained rate) for {plan.seconds}s with {plan.connections * 2}"
        " connections, latency from the"
        " intended start (coordinated omission corrected)",
        "fan-out: time from the compose response until every follower's home timeline holds the post "
        f"({plan.fanout_reps} posts per author; p99 of so few is their maximum)",
    ]
    if not scenarios:  # --fanout-only: the notes on peaks and latency runs do not apply
        del machine["notes"][1]
    oha = oha_binary() if scenarios else None  # the fan-out probes need no load generator
    machine["notes"].append(
        "no scenarios: fan-out delivery only"
        if not scenarios
        else f"latency at 70%: oha {OHA_VERSION} -q RATE --latency-correction, one process per method of the"
        " mix at its share of the rate, percentiles over all their requests (token as the access_token"
        " query parameter)"
        if oha
        else "latency at 70%: bench.loadgen (oha not installed: needs cargo); it tops out near 1,700 req/s"
    )
    log(f"machine {machine}")
    cpu_before = soak.cpu_seconds()
    stack: dict[str, str] = {}
    if "production" in modes:
        from e2e.stack import runner

        services = ["postgres", "redis", "kafka", "cassandra"]
        runner.up(services, out=log)
        stack = runner.env(services)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rookery-bench-") as tmp_name:
        tmp = pathlib.Path(tmp_name)
        http_peak, http_latency = http_ceiling(plan, tmp, oha) if scenarios else (None, None)
        ceilings: dict[str, float | None] = {"http": http_peak}
        if http_latency is not None:
            machine["http_ceiling_at_70"] = http_latency
            machine["notes"].append(
                "the bare endpoint itself at 70% of its peak (oha): "
                f"p50 {_fmt(http_latency['p50_ms'])} / p95 {_fmt(http_latency['p95_ms'])}"
                f" / p99 {_fmt(http_latency['p99_ms'])} ms; the server waited"
                f" {_fmt(http_latency.get('server_cpu_wait_ms'))} ms for a CPU during it"
            )
        if stack and scenarios:
            ceilings["cache"] = cache_ceiling(plan, stack["ROOKERY_REDIS_URL"])
            ceilings["database"] = database_ceiling(plan, stack["ROOKERY_POSTGRES_DSN"])
        log(f"ceilings (req/s): {ceilings}")
        machine["ceilings_rps"] = ceilings
        rows: list[dict[str, Any]] = []
        fan: list[dict[str, Any]] = []
        for mode in modes:
            try:
                mode_rows, mode_fan = run_mode(mode, plan, ceilings, stack, tmp, scenarios, oha, machine["notes"])
            except Exception as exc:  # the other mode's rows are still written
                traceback.print_exc()
                log(f"{mode}: failed: {exc}")
                machine["notes"].append(f"{mode} mode failed: {str(exc)[:300]}")
                continue
            rows += mode_rows
            fan += mode_fan
    if not args.no_web:  # the web client in headless Chromium (bench/web_client.py), its own server
        try:
            from bench import web_client

            measured = web_client.measure(runs=3 if plan.quick else 7)
            machine["web_client"] = measured
            machine["notes"].append(web_client.summary(measured))
            log(web_client.summary(measured))
        except Exception as exc:
            traceback.print_exc()
            machine["notes"].append(f"web client: not measured ({str(exc)[:300]})")
    if memory:  # one process per mode (`rookery up`; `rookery serve --role all`), and the bare endpoint's
        machine["memory_mib_under_load"] = memory
        machine["notes"].append(
            "resident memory (VmRSS) of each server process right after each peak load: "
            + "; ".join(
                f"{mode}: " + ", ".join(f"{name} {_fmt(mib)} MiB" for name, mib in by_scenario.items())
                for mode, by_scenario in memory.items()
            )
        )
    floor = {row["mode"]: row for row in rows if row["name"] == "floor-instance"}
    for mode, row in floor.items():  # the floor beside the bare endpoint, as ratios of one run
        machine["notes"].append(
            f"per-request floor ({mode}): GET {INSTANCE} at {_fmt(row['peak_rps'])} req/s, "
            f"{row['ratio'] if row['ratio'] is not None else '-'} of the bare endpoint's"
            f" {_fmt(ceilings['http'])} req/s in this run"
        )
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    others = soak.busiest(cpu_before, soak.cpu_seconds(), {os.getpid()})  # what shared the machine
    machine["notes"].append(
        f"load average at the end {machine['load_average_end']}; the other processes (still running at"
        " the end) that used the most CPU during the run: " + ("; ".join(others) or "none")
    )
    machine["duration_s"] = round(time.monotonic() - started, 1)
    data = report.result(machine, report.git_commit(ROOT), rows, fan)
    report.write(
        data,
        RESULTS / f"{args.label}.json",
        RESULTS / f"{args.label}.md",
        f"Rookery benchmarks ({args.label}{', quick' if plan.quick else ''})",
    )
    print(report.markdown(data))
    return 0
