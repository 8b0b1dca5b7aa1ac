"""Fan-out writes and home-timeline reads on the Cassandra adapters, on the real stack.

    .venv/bin/python -m bench.cassandra_fanout --contact-points 127.0.0.1:9042 --followers 10000

Creates a throwaway keyspace (dropped at the end), then:
- fan-out: one post pushed to ``--followers`` home timelines (``CassandraTimelineStore.push``, as
  the fan-out consumer does), ``--posts`` times; the first post of a day also writes each owner's
  day row, later ones do not (the process remembers them). Rate = timeline rows written per second.
- reads: ``--reads`` home-timeline pages of 20 (``range``) of random followers, one at a time;
  p50/p99 latency of the adapter call; with ``--redis URL`` also through Redis in front
  (``HotColdTimelineStore``, as production wires it when both are configured; first a warming pass).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid

from rookery.workloads.adapters.cassandra.migrations import drop_keyspace_blocking, migrate
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ids import new_id
from rookery.workloads.settings import Settings


def report(what: str, latencies: list[float]) -> None:
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"{what}: {len(latencies)} x range(limit=20):"
        f" p50 {statistics.median(latencies) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"
    )


async def layered_reads(
    args: argparse.Namespace, store: CassandraTimelineStore, followers: list[int]
) -> None:
    from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore
    from rookery.workloads.adapters.redis.keys import connect
    from rookery.workloads.adapters.redis.timelines import RedisTimelineStore

    client = connect(args.redis)
    try:
        layered = HotColdTimelineStore(RedisTimelineStore(client, "bench" + uuid.uuid4().hex[:8], 800), store)
        owners = random.sample(followers, min(args.reads, len(followers)))
        for owner in owners:  # cold: from Cassandra, copied into Redis
            await layered.range(owner, PageRequest(limit=20))
        latencies = []
        for owner in owners:
            started = time.perf_counter()
            await layered.range(owner, PageRequest(limit=20))
            latencies.append(time.perf_counter() - started)
        report("home page reads, Redis in front (warm)", latencies)
    finally:
        await client.aclose()


async def main(args: argparse.Namespace) -> None:
    settings = Settings(
        cassandra_contact_points=args.contact_points,
        cassandra_local_dc=args.local_dc,
        cassandra_keyspace="bench_" + uuid.uuid4().hex[:10],
        cassandra_create_keyspace=True,
    )
    await migrate(settings)
    session = CassandraSession(
        settings.cassandra_contact_points,
        settings.cassandra_keyspace,
        local_dc=settings.cassandra_local_dc,
        write_consistency=args.write_consistency,
        read_consistency=args.read_consistency,
        max_concurrency=args.concurrency,
    )
    store = CassandraTimelineStore(session, max_entries=800)
    await session.connect()
    try:
        followers = list(range(1_000_000, 1_000_000 + args.followers))
        for n in range(args.posts):
            entry = TimelineEntry(new_id(), 42)
            started = time.perf_counter()
            await store.push(followers, entry)
            took = time.perf_counter() - started
            note = "first post of the day (day rows too)" if n == 0 else "day rows remembered"
            rate = len(followers) / took
            print(f"fan-out post {n + 1}: {len(followers)} timelines in {took:.2f}s", end=" ")
            print(f"= {rate:,.0f} rows/s ({note})")
        latencies = []
        for _ in range(args.reads):
            owner = random.choice(followers)
            started = time.perf_counter()
            page = await store.range(owner, PageRequest(limit=20))
            latencies.append(time.perf_counter() - started)
            assert len(page) == min(args.posts, 20)
        report("home page reads from Cassandra", latencies)
        if args.redis:
            await layered_reads(args, store, followers)
    finally:
        await session.close()
        drop_keyspace_blocking(settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contact-points", default="127.0.0.1:9042")
    parser.add_argument("--local-dc", default="datacenter1")
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=3)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=256, help="requests in flight per fan-out")
    parser.add_argument("--write-consistency", default="LOCAL_QUORUM")
    parser.add_argument("--read-consistency", default="LOCAL_QUORUM")
    parser.add_argument("--redis", default="", help="also read through Redis in front (redis://...)")
    asyncio.run(main(parser.parse_args()))
