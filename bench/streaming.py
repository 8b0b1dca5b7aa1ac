"""Streaming delivery: how long a post takes to reach many WebSocket subscribers, and how many
frames per second one `rookery up` process pushes.

    .venv/bin/python -m bench.streaming [--subscribers 200] [--authenticated 50] [--posts 40] [--out FILE]

Starts `rookery up` (embedded defaults, rate limits off) on a free loopback port with a temporary
data directory, opens ``--subscribers`` anonymous WebSockets on the public stream plus
``--authenticated`` ones with a user token (those go through the per-viewer block/mute filter, one
graph lookup per message), then posts ``--posts`` statuses one after another over HTTP. For each
frame it records the time from the POST's response to the frame's arrival (the delivery crosses
the outbox, the event bus, the streaming publisher, the in-process Realtime port and the hub).
The client runs in this process on the same machine: the numbers include its own CPU use.
Not a test: no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import connect

from bench.common import FAST_ENV, free_port, wait_ready, write_report
from e2e.forms import app_form, bearer, grant, signup


async def register(http: httpx.AsyncClient, name: str) -> str:
    scopes = "read write follow"
    app = (
        await http.post("/api/v1/apps", data=app_form("bench", scopes))
    ).json()
    granted = await http.post("/oauth/token", data=grant(app, "client_credentials", scope=scopes))
    token = granted.json()["access_token"]
    form = signup(name, "correct horse battery")
    created = await http.post("/api/v1/accounts", headers=bearer(token), data=form)
    return str(created.json()["access_token"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(base: str, subscribers: int, authenticated: int, posts: int) -> dict[str, Any]:
    ws_base = base.replace("http://", "ws://") + "/api/v1/streaming?stream=public"
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        poster = await register(http, "poster")
        reader = await register(http, "reader")
        sockets = [await connect(ws_base, max_queue=None) for _ in range(subscribers)]
        sockets += [
            await connect(f"{ws_base}&access_token={reader}", max_queue=None) for _ in range(authenticated)
        ]
        posted_at: dict[str, float] = {}
        arrivals: list[tuple[str, float]] = []
        total = posts * len(sockets)
        done = asyncio.Event()

        async def consume(ws: object) -> None:
            async for raw in ws:  # type: ignore[attr-defined]
                frame = orjson.loads(raw)
                if frame.get("event") != "update":
                    continue
                arrivals.append((orjson.loads(frame["payload"])["id"], time.perf_counter()))
                if len(arrivals) == total:
                    done.set()

        tasks = [asyncio.create_task(consume(ws)) for ws in sockets]
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        for i in range(posts):
            sent = time.perf_counter()
            response = await http.post(
                "/api/v1/statuses",
                headers={"Authorization": f"Bearer {poster}"},
                json={"status": f"bench {i}"},
            )
            posted_at[response.json()["id"]] = sent
        await asyncio.wait_for(done.wait(), 300)
        elapsed = time.perf_counter() - started
        latencies = [
            arrived - posted_at[status_id] for status_id, arrived in arrivals
        ]  # from before the POST
        for task in tasks:
            task.cancel()
        for ws in sockets:
            await ws.close()
    return {
        "subscribers": subscribers + authenticated,
        "authenticated": authenticated,
        "posts": posts,
        "frames": len(latencies),
        "frames_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 1),
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_ms_max": round(max(latencies) * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.streaming")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--authenticated", type=int, default=50)
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("bench/results/streaming.json"))
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, **FAST_ENV}
        server = subprocess.Popen(
            [sys.executable, "-m", "rookery.workloads.cli", "up", "--port", str(port), "--data-dir", data],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_ready(f"{base}/healthz", server, timeout_s=60)
            result = asyncio.run(run(base, args.subscribers, args.authenticated, args.posts))
        finally:
            server.terminate()
            server.wait(15)
    result["command"] = " ".join(["python -m bench.streaming", *sys.argv[1:]])
    result["cpus"] = os.cpu_count() or 0
    write_report(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
