"""Open-loop HTTP load at a fixed rate, with coordinated-omission correction (run as its own process).

    python -m bench.loadgen --spec spec.json --rate 500 --seconds 10 [--connections 64]

Request i is due at ``start + i / rate`` whatever happened to earlier ones (open loop: a slow
server does not slow the arrivals down); its latency is measured from that intended start, not
from when a connection became free, so queueing in front of a saturated server counts (the
correction wrk2 makes). Prints one JSON object: sent, ok, errors, achieved req/s, p50/p95/p99/max
in ms. The spec is the JSON that ``bench.workload.spec`` writes (requests and their weights).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pathlib
import random
import sys
import time
from typing import Any

import aiohttp


def percentile(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def latency_summary(sorted_ms: list[float], elapsed: float) -> dict[str, float | None]:
    """Achieved requests/s and the p50/p95/p99/max latency of the answered requests (ms, sorted)."""
    return {
        "achieved_rps": len(sorted_ms) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(sorted_ms, 50),
        "p95_ms": percentile(sorted_ms, 95),
        "p99_ms": percentile(sorted_ms, 99),
        "max_ms": sorted_ms[-1] if sorted_ms else None,
    }


class Picker:
    """Draws the next request of a mix: (method, path, headers, body)."""

    def __init__(self, spec: dict[str, Any], seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.kinds = spec["mix"]
        self.weights = [k["weight"] for k in self.kinds]
        self.spec = spec

    def next(self) -> tuple[str, str, dict[str, str], bytes | None]:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        token = self.rng.choice(self.spec[kind["tokens"]])
        headers = {"Authorization": f"Bearer {token}"}
        path = kind["path"]
        if "{id}" in path:
            path = path.replace("{id}", self.rng.choice(self.spec["users"]))
        if "{status}" in path:  # a status of the spec's ``statuses`` (favourite, unfavourite...)
            path = path.replace("{status}", self.rng.choice(self.spec["statuses"]))
        body = None
        if kind["method"] == "POST" and kind.get("body", True):  # a compose body unless told not to
            headers["Content-Type"] = "application/json"
            body = json.dumps({"status": f"open-loop post {self.rng.random():.9f} #bench"}).encode()
        return kind["method"], path, headers, body


async def run(spec: dict[str, Any], rate: float, seconds: float, connections: int) -> dict[str, Any]:
    picker = Picker(spec)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=connections, force_close=False, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=30)
    total = int(rate * seconds)
    async with aiohttp.ClientSession(spec["base"], connector=connector, timeout=timeout) as session:

        async def one(intended: float) -> None:
            method, path, headers, body = picker.next()
            try:
                async with session.request(method, path, headers=headers, data=body) as response:
                    await response.read()
                    if response.status >= 400:
                        errors[str(response.status)] = errors.get(str(response.status), 0) + 1
                        return
            except (TimeoutError, aiohttp.ClientError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return
            latencies.append(time.perf_counter() - intended)

        loop_start = time.perf_counter() + 0.05
        tasks: set[asyncio.Task[None]] = set()
        for i in range(total):
            intended = loop_start + i / rate
            delay = intended - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.ensure_future(one(intended))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=35)
        elapsed = time.perf_counter() - loop_start
    latencies.sort()
    ms = [v * 1000 for v in latencies]
    return {
        "rate": rate,
        "sent": total,
        "ok": len(latencies),
        "errors": errors,
        **latency_summary(ms, elapsed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=pathlib.Path, required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    spec = json.loads(args.spec.read_text())
    print(json.dumps(asyncio.run(run(spec, args.rate, args.seconds, args.connections))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
