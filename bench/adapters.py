"""Throughput of the Redis rate limiter and the Kafka bus end to end, on the real stack.

    .venv/bin/python -m bench.adapters --redis redis://127.0.0.1:6379/0 --kafka 127.0.0.1:9092

Rate limiter: ``--concurrency`` tasks call ``hit`` (the Lua token bucket) on one client for
``--seconds``; ops/s counts every decision. Kafka: publish ``--events`` events (8 keys, 3
partitions) with ``publish_many`` batches of 500, one consumer group handles them; events/s is
from the first publish to the last event handled.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import pathlib
import sys
import time
import uuid

from rookery.workloads.adapters.kafka.bus import KafkaEventBus
from rookery.workloads.adapters.redis.keys import connect
from rookery.workloads.adapters.redis.ratelimit import RedisRateLimiter
from rookery.workloads.domain.events import POSTS, Event


async def rate_limiter(url: str, seconds: float, concurrency: int) -> tuple[float, float]:
    """(decisions per second, decisions per CPU-second of this process: less sensitive to a busy box)"""
    client = connect(url, max_connections=concurrency)
    limiter = RedisRateLimiter(client, "bench" + uuid.uuid4().hex[:8])
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await limiter.hit(f"ip:{n % 64}", capacity=100, refill_per_s=50.0)
            done += 1

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    await client.aclose()
    return done / elapsed, done / cpu


async def kafka_bus(bootstrap: str, events: int) -> float:
    tenant = "bench" + uuid.uuid4().hex[:8]
    bus = KafkaEventBus(bootstrap, tenant, create_topics=True)
    handled = 0
    finished = asyncio.Event()

    async def handle(_: Event) -> None:
        nonlocal handled
        handled += 1
        if handled == events:
            finished.set()

    bus.subscribe(POSTS, "fanout", handle)
    await bus.start()
    batch = [
        Event(type="StatusCreated", key=f"author{i % 8}", payload={"i": i}, tenant=tenant)
        for i in range(events)
    ]
    start = time.perf_counter()
    for i in range(0, events, 500):
        await bus.publish_many(POSTS, batch[i : i + 500])
    await asyncio.wait_for(finished.wait(), timeout=300)
    elapsed = time.perf_counter() - start
    await bus.stop()
    return events / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--kafka", default="127.0.0.1:9092")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--json", type=pathlib.Path, help="also write the results here (bench/results/)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    per_s, per_cpu_s = await rate_limiter(args.redis, args.seconds, args.concurrency)
    print(
        f"redis rate limiter: {per_s:,.0f} ops/s, {per_cpu_s:,.0f} ops per client CPU-second "
        f"({args.concurrency} concurrent callers, one process)"
    )
    events_per_s = await kafka_bus(args.kafka, args.events)
    print(f"kafka bus end to end: {events_per_s:,.0f} events/s ({args.events} events, publish -> handled)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "benchmark": "adapters",
                    "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "command": "python -m bench.adapters " + " ".join(sys.argv[1:]),
                    "machine": f"{os.cpu_count()} CPUs, load average {load_before:.1f} at start"
                    " (other work on the machine shares the CPUs with the servers)",
                    "results": {
                        "redis_rate_limiter_ops_per_s": round(per_s),
                        "redis_rate_limiter_ops_per_client_cpu_s": round(per_cpu_s),
                        "rate_limiter_concurrency": args.concurrency,
                        "kafka_bus_events_per_s": round(events_per_s),
                        "kafka_events": args.events,
                    },
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    asyncio.run(main())
