"""Inference benchmark: requests/s and p50/p99 latency per model against a running model server.

    .venv/bin/python bench/inference.py [--requests 200] [--concurrency 4] [--batch 1]
                                        [--models moderation,embeddings,ranking,anomaly]
                                        [--url http://127.0.0.1:8080] [--out bench/results/inference.json]

Without --url it trains a ranking model on a small synthetic export, starts `rookery inference`
on a free loopback port with that storage, measures, and stops it. Only loopback traffic; a
bounded number of requests (V1 ``:predict``) per model after a short warm-up. Not a test: no
pass/fail, it writes the numbers to --out.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import pathlib
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx

from bench.common import write_report
from e2e.servers import free_port, wait_serving

REPO = pathlib.Path(__file__).resolve().parents[1]
MODELS = ("moderation", "embeddings", "ranking", "anomaly")
NOW = dt.datetime.now(dt.UTC)
SENTENCES = [
    "Just finished my morning run along the river, the fog was beautiful.",
    "Does anyone have a good recipe for sourdough bread? Mine keeps coming out flat.",
    "Our team shipped the new release today, thanks to everyone who tested it!",
    "The first snow of the season is falling, the kids are thrilled.",
    "Looking for recommendations for a lightweight hiking tent.",
    "Shut up, nobody asked for your opinion, idiot.",
]
FEATURES = (
    "statuses_per_hour",
    "follows_per_hour",
    "engagements_per_hour",
    "follow_churn",
    "duplicate_ratio",
    "links_per_status",
    "mentions_per_status",
)


def instance(model: str, rng: random.Random) -> dict[str, Any]:
    if model in ("moderation", "embeddings"):
        return {"text": rng.choice(SENTENCES)}
    if model == "ranking":
        candidates = [
            {
                "status_id": str(n),
                "author_id": f"author{rng.randint(0, 9)}",
                "created_at": (NOW - dt.timedelta(hours=rng.uniform(0, 48))).isoformat(),
                "favourites_count": rng.randint(0, 50),
                "reblogs_count": rng.randint(0, 10),
            }
            for n in range(40)
        ]
        return {"account_id": f"reader{rng.randint(0, 19)}", "candidates": candidates}
    return {"account_id": "1", "features": {f: rng.uniform(0, 1) for f in FEATURES}}


def synthetic_export(path: pathlib.Path, seed: int = 1) -> None:
    """Readers who mostly engage with two favourite authors, as JSONL events."""
    rng = random.Random(seed)
    with path.open("w") as out:
        for reader in range(20):
            liked = set(rng.sample(range(10), 2))
            for n in range(100):
                author = rng.randint(0, 9)
                posted = NOW - dt.timedelta(hours=rng.uniform(1, 100))
                base = {
                    "account_id": f"reader{reader}",
                    "status_id": f"{author}-{n}",
                    "author_id": f"author{author}",
                    "status_created_at": posted.isoformat(),
                    "created_at": (posted + dt.timedelta(hours=1)).isoformat(),
                }
                out.write(json.dumps({"type": "view", **base}) + "\n")
                if rng.random() < (0.6 if author in liked else 0.05):
                    out.write(json.dumps({"type": "favourite", **base}) + "\n")


def device() -> str:
    import torch

    return os.environ.get("ROOKERY_INFERENCE_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


def start_server(
    models: list[str], storage: pathlib.Path, log: pathlib.Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "rookery.inference", "--port", str(port), "--models", ",".join(models)]
    command += ["--storage-uri", str(storage)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_serving(
        f"{url}/v2/health/ready", process, timeout_s=300, interval_s=0.5, error=SystemExit,
        on_timeout=process.terminate,
        exited=lambda code: f"model server exited ({code}); see {log}",
        not_ready=lambda: f"model server not ready in 300s; see {log}",
    )  # fmt: skip
    return process, url


async def measure(url: str, model: str, requests: int, concurrency: int, batch: int) -> dict[str, Any]:
    rng = random.Random(7)
    bodies = [{"instances": [instance(model, rng) for _ in range(batch)]} for _ in range(requests)]
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        for body in bodies[: min(10, requests)]:  # warm-up, not counted
            await client.post(f"/v1/models/{model}:predict", json=body)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for body in bodies:
            queue.put_nowait(body)

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(f"/v1/models/{model}:predict", json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "instances_per_request": batch,
        "errors": errors,
        "requests_per_s": round(requests / wall, 1),
        "instances_per_s": round(requests * batch / wall, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
        "mean_ms": round(1000 * statistics.fmean(ordered), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=None, help="a running model server (default: start one)")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--requests", type=int, default=200, help="requests per model (default 200)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1, help="instances per request (default 1)")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "inference.json"))
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    if not set(models) <= set(MODELS) or not 1 <= args.requests <= 10_000 or args.concurrency < 1:
        parser.error(f"models from {MODELS}, 1..10000 requests, concurrency >= 1")

    # the machine may be shared: record how busy it was
    load_at_start = round(os.getloadavg()[0], 2)
    process = None
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url
        if url is None:
            storage = pathlib.Path(scratch) / "models"
            export = pathlib.Path(scratch) / "events.jsonl"
            synthetic_export(export)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rookery.inference",
                    "train",
                    "--events",
                    str(export),
                    "--out",
                    str(storage),
                    "--models",
                    "ranking",
                ],
                cwd=REPO,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            process, url = start_server(models, storage, pathlib.Path(scratch) / "server.log")
        try:
            results = {}
            for model in models:
                results[model] = asyncio.run(measure(url, model, args.requests, args.concurrency, args.batch))
                print(f"{model:<11} {json.dumps(results[model])}", flush=True)
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)

    report = {
        "benchmark": "inference",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": ".venv/bin/python bench/inference.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "device": device(),
            "load_average_1m_at_start": load_at_start,
        },
        "protocol": "KServe V1 REST over loopback",
        "results": results,
    }
    write_report(report, args.out, show=False)
    print(f"wrote {pathlib.Path(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
