"""Media processing and chat message throughput, embedded mode, in-process over ASGI.

    .venv/bin/python -m bench.media_chats [--uploads 10] [--messages 300]

* imaging: sniff (full decode) and processing (EXIF-free original, 640px small, blurhash) of a
  12-megapixel JPEG, median of 5 runs, in this thread.
* uploads: POST /api/v2/media of a 1920x1080 JPEG, one after the other: latency of the 202, and
  time until GET /api/v1/media/:id answers 200 (processed by the media worker).
* chats: POST /api/v1/chats/:id/messages one after the other (messages/s, p50/p99 latency), then
  GET /api/v1/chats/:id/messages?limit=40 pages (p50/p99).
Results go to bench/results/media_chats.json. Timings, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import pathlib
import statistics
import sys
import tempfile
import time
from typing import Any

from PIL import Image

from bench.common import asgi_client, signed_in, write_report
from rookery.workloads.bootstrap import build
from rookery.workloads.services import imaging
from rookery.workloads.settings import Settings

SETTINGS = {
    "password_time_cost": 1,
    "password_memory_kib": 8192,
    "rate_limit_requests": 10_000_000,
    "rate_limit_create_requests": 10_000_000,
    "public_url": "http://bench",
}


def photo(width: int, height: int) -> bytes:
    """A JPEG with camera-like detail (noise over a gradient), so the codecs do real work."""
    noise = Image.frombytes("L", (width, height), os.urandom(width * height)).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    Image.blend(gradient, noise, 0.3).save(out, "JPEG", quality=90)
    return out.getvalue()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_imaging() -> dict[str, Any]:
    data = photo(4000, 3000)
    limits = imaging.Limits()
    sniffs, processes = [], []
    for _ in range(5):
        start = time.perf_counter()
        sniffed = imaging.sniff(data, limits)
        sniffs.append(time.perf_counter() - start)
        start = time.perf_counter()
        imaging.process_image(data, sniffed.format, limits)
        processes.append(time.perf_counter() - start)
    return {
        "input": f"4000x3000 JPEG, {len(data)} bytes",
        "sniff_ms_median": round(statistics.median(sniffs) * 1000, 1),
        "process_ms_median": round(statistics.median(processes) * 1000, 1),
    }


async def bench_api(uploads: int, messages: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rookery-bench-") as tmp:
        container = build(Settings(**SETTINGS, data_dir=pathlib.Path(tmp)))
        async with asgi_client(container) as client:
            tokens = await signed_in(container, "read write follow push", ("alice", "bob"))
            (alice, _), (_, bob_id) = tokens

            picture = photo(1920, 1080)
            accepted, ready = [], []
            for _ in range(uploads):
                start = time.perf_counter()
                response = await client.post(
                    "/api/v2/media", headers=alice, files={"file": ("p.jpg", picture, "image/jpeg")}
                )
                accepted.append(time.perf_counter() - start)
                media_id = response.json()["id"]
                while (await client.get(f"/api/v1/media/{media_id}", headers=alice)).status_code != 200:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                ready.append(time.perf_counter() - start)

            chat = (
                await client.post("/api/v1/chats", headers=alice, json={"account_ids": [bob_id]})
            ).json()
            path = f"/api/v1/chats/{chat['id']}/messages"
            posts = []
            begin = time.perf_counter()
            for n in range(messages):
                start = time.perf_counter()
                response = await client.post(path, headers=alice, json={"text": f"message {n}"})
                assert response.status_code == 200, response.text
                posts.append(time.perf_counter() - start)
            elapsed = time.perf_counter() - begin
            reads = []
            for _ in range(200):
                start = time.perf_counter()
                response = await client.get(f"{path}?limit=40", headers=alice)
                assert len(response.json()) == 40
                reads.append(time.perf_counter() - start)
    return {
        "uploads": {
            "input": f"1920x1080 JPEG, {len(picture)} bytes",
            "count": uploads,
            "accepted_ms_p50": round(percentile(accepted, 0.5) * 1000, 1),
            "ready_ms_p50": round(percentile(ready, 0.5) * 1000, 1),
            "ready_ms_max": round(max(ready) * 1000, 1),
        },
        "chat_messages": {
            "count": messages,
            "posted_per_s": round(messages / elapsed, 1),
            "post_ms_p50": round(percentile(posts, 0.5) * 1000, 2),
            "post_ms_p99": round(percentile(posts, 0.99) * 1000, 2),
            "page_of_40_ms_p50": round(percentile(reads, 0.5) * 1000, 2),
            "page_of_40_ms_p99": round(percentile(reads, 0.99) * 1000, 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=10)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--out", default="bench/results/media_chats.json")
    args = parser.parse_args(argv)
    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs, {sys.platform}, load average {os.getloadavg()[0]:.1f}",
        "imaging": bench_imaging(),
        **asyncio.run(bench_api(args.uploads, args.messages)),
    }
    write_report(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
