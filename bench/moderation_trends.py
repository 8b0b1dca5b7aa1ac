"""What the admin and analytics roles and the AI layer cost, embedded mode, in-process over ASGI.

    .venv/bin/python -m bench.moderation_trends [--statuses 300] [--reads 200]

* write path: POST /api/v1/statuses one after the other, then the time until every consumer has
  caught up, with the admin + analytics roles (forwarder, trend aggregator, anomaly watcher;
  moderation model off) and without them: statuses/s end to end.
* moderation: the same with the in-process moderation model on (ROOKERY_MODERATION_ENABLED).
* home timeline: GET /api/v1/timelines/home?limit=20 latency (p50/p99) with ranking off and on
  (the in-process ranking model, ROOKERY_RANKING_ENABLED).
Results go to bench/results/moderation_trends.json. Timings, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import pathlib
import statistics
import tempfile
import time
from typing import Any

from bench.common import asgi_client, signed_in, write_report
from rookery.workloads.bootstrap import ALL_ROLES, build
from rookery.workloads.settings import Settings

RESULTS = pathlib.Path(__file__).parent / "results" / "moderation_trends.json"
SETTINGS: dict[str, Any] = {
    "password_time_cost": 1,
    "password_memory_kib": 8192,
    "rate_limits_enabled": False,
    "public_url": "http://bench",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(statuses: int, reads: int, roles: tuple[str, ...], **overrides: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rookery-bench-") as tmp:
        container = build(Settings(**SETTINGS, **overrides, data_dir=pathlib.Path(tmp)), roles)
        async with asgi_client(container) as client:
            headers = await signed_in(container, "read write follow", ("alice", "bob"))
            (alice, _), (bob, bob_id) = headers
            await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)
            outboxes = container.events.outboxes
            bus = container.bus

            async def settled() -> None:
                while any([await o.pending(1) for o in outboxes]) or await bus.lag() > 0:  # noqa: ASYNC110  (polls two stores)
                    await asyncio.sleep(0.01)

            await settled()
            start = time.perf_counter()
            for i in range(statuses):
                response = await client.post(
                    "/api/v1/statuses", headers=bob, json={"status": f"post {i} #tag{i % 5}"}
                )
                assert response.status_code == 200, response.text
            posted = time.perf_counter()
            await settled()
            done = time.perf_counter()
            latencies = []
            for _ in range(reads):
                begin = time.perf_counter()
                response = await client.get("/api/v1/timelines/home", headers=alice, params={"limit": 20})
                latencies.append(time.perf_counter() - begin)
                assert response.status_code == 200
            return {
                "post_per_s": round(statuses / (posted - start), 1),
                "end_to_end_statuses_per_s": round(statuses / (done - start), 1),
                "home_p50_ms": round(statistics.median(latencies) * 1000, 2),
                "home_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            }


async def main(statuses: int, reads: int) -> dict[str, Any]:
    without = tuple(r for r in ALL_ROLES if r not in ("admin", "analytics"))
    results = {
        "without_admin_analytics": await run(statuses, reads, without),
        "with_admin_analytics": await run(statuses, reads, ALL_ROLES, moderation_enabled=False),
        "with_moderation_model": await run(statuses, reads, ALL_ROLES, moderation_enabled=True),
        "with_ranking": await run(statuses, reads, ALL_ROLES, moderation_enabled=False, ranking_enabled=True),
    }
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "statuses": statuses,
        "reads": reads,
        "results": results,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statuses", type=int, default=300)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    report = asyncio.run(main(args.statuses, args.reads))
    write_report(report, RESULTS)
