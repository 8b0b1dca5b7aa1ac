"""A seeded social graph with a power-law follower distribution, and its history, loaded in bulk
through the ports (no HTTP) into the stores a Rookery server then serves from.

    python -m bench.seed --accounts 10000 --out seed.json      # settings from ROOKERY_* variables

The graph (``social_graph``), deterministic for a seed:
- account 0 is followed by every other account (``accounts - 1`` followers), accounts 1-3 by
  ``big`` random accounts each, account 4 by ``small``; every account also follows ``per_account``
  others drawn from a Zipf-like law (P(rank r) ~ 1/r^1.1) over the rest, so a few of those get
  many followers and most get a handful.
- history: accounts 0-4 and the most-followed and random others post ``posts_each`` statuses,
  pushed to their followers' home timelines as the fan-out consumer does (authors above the
  fan-out threshold are marked celebrities and merged on read instead).
Writes: accounts, follows, statuses and timeline entries through the AccountRepository,
GraphStore, StatusRepository and TimelineStore ports, without outbox events (nothing is left
for the server's relays to replay during the benchmark). Tokens are issued by the OAuth service
(the embedded issuer, keys in the data directory the server then uses) and written to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import dataclasses
import datetime as dt
import html
import itertools
import json
import pathlib
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Iterable
from typing import Any

FANOUT_ROLES = {"celebrity": 0, "big": 1, "small": 4}


@dataclasses.dataclass
class Graph:
    accounts: int
    follows: list[tuple[int, int]]  # (follower index, target index)
    posters: list[int]  # indexes that have a history
    readers: list[int]  # indexes whose home timelines are read
    composers: list[int]  # indexes that post during the compose scenario

    def followers_of(self, target: int) -> list[int]:
        return [a for a, t in self.follows if t == target]


def social_graph(
    accounts: int,
    *,
    big: int,
    small: int,
    per_account: int = 2,
    posters: int = 1000,
    readers: int = 200,
    composers: int = 50,
    seed: int = 8,
) -> Graph:
    rng = random.Random(seed)
    follows: set[tuple[int, int]] = set()
    everyone = range(1, accounts)
    follows.update((a, 0) for a in everyone)
    for target in (1, 2, 3):
        follows.update((a, target) for a in rng.sample([a for a in range(accounts) if a != target], big))
    follows.update((a, 4) for a in rng.sample(range(5, accounts), small))
    rest = list(range(10, accounts))
    rng.shuffle(rest)  # rank order of the Zipf law: not the creation order
    weights = list(itertools.accumulate(1 / (r + 1) ** 1.1 for r in range(len(rest))))
    for a in range(accounts):
        for _ in range(per_account):
            target = rest[bisect.bisect(weights, rng.random() * weights[-1])]
            if target != a:
                follows.add((a, target))
    popular = [t for t, _ in Counter(t for _, t in follows if t >= 10).most_common(posters // 10)]
    chosen = list(dict.fromkeys([0, 1, 2, 3, 4, *popular, *rng.sample(rest, min(len(rest), posters))]))
    chosen = chosen[:posters]
    reader_pool = [a for a in range(5, accounts)]
    return Graph(
        accounts=accounts,
        follows=sorted(follows),
        posters=chosen,
        readers=rng.sample(reader_pool, min(readers, len(reader_pool))),
        composers=rng.sample(chosen[5:], min(composers, len(chosen) - 5)),
    )


async def _bounded(tasks: Iterable[Awaitable[Any]], concurrency: int) -> None:
    """Await every task with at most ``concurrency`` in flight."""
    iterator = iter(tasks)

    async def worker() -> None:
        for task in iterator:
            await task

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def load(graph: Graph, out: pathlib.Path, posts_each: int, concurrency: int, sample: int) -> None:
    from rookery.workloads.bootstrap import build
    from rookery.workloads.domain.accounts import Account
    from rookery.workloads.domain.graph import Follow
    from rookery.workloads.domain.statuses import Status
    from rookery.workloads.domain.timelines import TimelineEntry
    from rookery.workloads.ids import new_id
    from rookery.workloads.settings import Settings

    settings = Settings()
    container = build(settings, ("accounts", "posts", "graph", "feed"))
    await container.start()
    started = time.monotonic()
    try:
        accounts_service = container.accounts.service
        repo = container.accounts.repository
        graph_store, statuses, timelines = (
            container.social.stores.graph,
            container.social.stores.statuses,
            container.social.stores.timelines,
        )
        password_hash = await accounts_service.passwords.hash("bench password")
        now = dt.datetime.now(dt.UTC)
        ids = [new_id() for _ in range(graph.accounts)]
        await _bounded(
            (
                repo.create(
                    Account(
                        ids[i],
                        f"user{i}",
                        f"user{i}@bench.example",
                        password_hash,
                        now,
                        display_name=f"User {i}",
                    )
                )
                for i in range(graph.accounts)
            ),
            concurrency,
        )
        print(f"seed: {graph.accounts} accounts in {time.monotonic() - started:.1f}s", flush=True)
        await _bounded((graph_store.follow(Follow(ids[a], ids[t])) for a, t in graph.follows), concurrency)
        followers: dict[int, list[int]] = defaultdict(list)
        following: Counter[int] = Counter()
        for a, t in graph.follows:
            followers[t].append(ids[a])
            following[a] += 1
        print(f"seed: {len(graph.follows)} follows in {time.monotonic() - started:.1f}s", flush=True)
        threshold = settings.fanout_threshold
        for t in range(graph.accounts):
            if len(followers[t]) > threshold:
                await timelines.mark_celebrity(ids[t], True)
        posts: Counter[int] = Counter()
        words = [
            "timeline",
            "rookery",
            "fan-out",
            "bench",
            "post",
            "link",
            "graph",
            "power",
            "law",
            "follower",
            "cache",
        ]
        rng = random.Random(8)
        for round_ in range(posts_each):
            tasks = []
            for index in graph.posters:
                text = f"post {round_} by user{index}: " + " ".join(rng.choices(words, k=12))
                status = Status(new_id(), ids[index], text, f"<p>{html.escape(text)}</p>", language="en")
                posts[index] += 1
                entry = TimelineEntry(status.id, status.account_id)

                async def write(
                    status: Status = status, entry: TimelineEntry = entry, index: int = index
                ) -> None:
                    await statuses.create(status)
                    owners = [ids[index]]
                    if len(followers[index]) <= threshold:
                        owners += followers[index]
                    await timelines.push(owners, entry)

                tasks.append(write())
            await _bounded(tasks, concurrency)
        print(f"seed: {sum(posts.values())} statuses in {time.monotonic() - started:.1f}s", flush=True)
        await _bounded(
            (
                repo.adjust_counts(
                    ids[i],
                    followers=len(followers[i]),
                    following=following[i],
                    statuses=posts[i],
                    last_status_at=now.date() if posts[i] else None,
                )
                for i in range(graph.accounts)
                if followers[i] or following[i] or posts[i]
            ),
            concurrency,
        )
        oauth = container.accounts.oauth
        app = await oauth.register_app("bench", "urn:ietf:wg:oauth:2.0:oob", "read write follow", None)
        scopes = frozenset({"read", "write", "follow"})

        async def token(index: int) -> dict[str, Any]:
            grant = await oauth.issue(app, ids[index], scopes, refresh=False)
            return {"index": index, "id": str(ids[index]), "token": grant.access_token}

        fanout: dict[str, Any] = {}
        rng = random.Random(9)
        for role, index in FANOUT_ROLES.items():
            sampled = rng.sample(followers[index], min(sample, len(followers[index])))
            fanout[str(len(followers[index]))] = {
                "role": role,
                "author": await token(index),
                "merged_on_read": len(followers[index]) > threshold,
                "followers": [str(f) for f in followers[index]],
                "sample": [await token(ids.index(f)) for f in sampled],
            }
        seeded = {
            "accounts": graph.accounts,
            "follows": len(graph.follows),
            "statuses": sum(posts.values()),
            "threshold": threshold,
            "readers": [await token(i) for i in graph.readers],
            "composers": [await token(i) for i in graph.composers],
            "posters": [str(ids[i]) for i in graph.posters],
            "fanout": fanout,
        }
        await asyncio.to_thread(out.write_text, json.dumps(seeded))
        print(f"seed: done in {time.monotonic() - started:.1f}s", flush=True)
    finally:
        await container.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_001)
    parser.add_argument("--big", type=int, default=1000, help="followers of accounts 1-3")
    parser.add_argument("--small", type=int, default=100, help="followers of account 4")
    parser.add_argument("--posters", type=int, default=1000)
    parser.add_argument("--posts-each", type=int, default=3)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--sample", type=int, default=10, help="followers per fan-out author read over HTTP")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args(argv)
    graph = social_graph(
        args.accounts, big=args.big, small=args.small, posters=args.posters, readers=args.readers
    )
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(load(graph, args.out, args.posts_each, args.concurrency, args.sample))
    return 0


if __name__ == "__main__":
    sys.exit(main())
