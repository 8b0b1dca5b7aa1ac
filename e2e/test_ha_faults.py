"""The fault campaign on the HA profile: a production process on replicated stores (e2e/stack/ha.py)
under a steady load of posts, follows, favourites and timeline reads, while one node at a time dies.

For each fault the client sees no 500 (a bounded window of 503, with Retry-After, is allowed and
measured), the matching alert of the operator chart's rules goes pending in a Prometheus scraping
the process (e2e/alerting.py; a readiness probe runs beside the load, as a kubelet's would), and
after recovery every acknowledged post is in every follower's home timeline exactly
once, every mention is notified exactly once, nothing is dead-lettered and every consumer group has
committed every record. Each test prints its fault's line for the README's table: how long the
client was refused, how long until the store was whole again.

Kafka is the HA profile's three brokers (topics created with replication factor 3, min ISR 2);
Cassandra its three nodes (the tenant's keyspace replicated on all three, LOCAL_QUORUM).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import functools
import pathlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from e2e.alerting import PrivatePrometheus, private_prometheus
from e2e.production_support import (
    Client,
    Proc,
    cassandra_keyspace,
    drop_postgres_schema,
    production_env,
    rookery,
    running,
)
from e2e.pytest_plugin import _delete_tenant_topics
from e2e.stack.cassandra_ha import CassandraHA
from e2e.stack.ha import KafkaHA, Member, PostgresHA, RedisHA
from e2e.stack.service import StackContext, StackError
from e2e.waiting import eventually
from rookery.workloads.catalogue import POSTS
from rookery.workloads.domain.events import topic

pytestmark = [pytest.mark.needs("postgres-ha", "redis-ha", "kafka-ha", "cassandra-ha"), pytest.mark.timeout(900)]

FOLLOWERS = 4
# every home keeps its newest HOME_TIMELINE_MAX entries (800 by default) and the author's posts of
# all ten faults add up to about that many on a fast machine: the checks ask for every post ever
# acknowledged, so no home may be trimmed here (CI once saw the oldest posts "missing")
HOME_TIMELINE_MAX = 20_000
RETRY_FOR_S = 90.0  # a client gives one request this long (503s, 409s, refused connections) before failing


@dataclasses.dataclass
class Outcome:
    """What the load saw around one fault."""

    statuses: collections.Counter[int] = dataclasses.field(default_factory=collections.Counter)
    refused_from: float | None = None  # the first failed attempt after the fault
    refused_until: float | None = None  # the first success after that
    missing_retry_after: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)

    def saw(self, status: int, retry_after: str | None, now: float) -> None:
        self.statuses[status] += 1
        if status >= 500 or status in (0, 409):
            if self.refused_from is None:
                self.refused_from = now
            if status == 503 and not retry_after:
                self.missing_retry_after += 1
        elif self.refused_from is not None and self.refused_until is None:
            self.refused_until = now

    @property
    def window_s(self) -> float:
        if self.refused_from is None:
            return 0.0
        return (self.refused_until or time.monotonic()) - self.refused_from


class Load:
    """One author posting (each post mentions a follower, every third with a favourite of the
    previous one), followers reading their home timelines, and a follow now and then; every write is
    retried with its Idempotency-Key on 502/503/504 or a connection error, as real clients do."""

    def __init__(self, base: str, author: dict[str, Any], followers: list[dict[str, Any]], names: list[str]) -> None:
        self.http = httpx.Client(base_url=base, timeout=10)
        self.author, self.followers, self.names = author, followers, names
        self.acked: list[tuple[str, int]] = []  # (status id, the follower it mentions)
        self.outcome = Outcome()
        self.stop = threading.Event()
        self.tag = uuid.uuid4().hex[:6]  # the posts of this load, told from earlier ones
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.prober = threading.Thread(target=self._probe, daemon=True)

    def _probe(self) -> None:
        """A kubelet's readiness probe, every 0.5 s: it sets rookery_store_up for each store."""
        with httpx.Client(base_url=str(self.http.base_url), timeout=2) as probe:
            while not self.stop.wait(0.5):
                with contextlib.suppress(httpx.TransportError):
                    probe.get("/readyz")

    def request(self, method: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            try:
                response = self.http.request(method, path, headers=headers, **kw)
                status, retry_after = response.status_code, response.headers.get("retry-after")
            except httpx.TransportError:
                response, status, retry_after = None, 0, None
            self.outcome.saw(status, retry_after, time.monotonic())
            # 409: the same key still in flight (a try whose answer was lost holds it a while)
            if response is not None and status not in (409, 502, 503, 504):
                if status >= 500:
                    self.outcome.errors.append(f"{method} {path}: {status} {response.text[:200]}")
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} still failing after {RETRY_FOR_S:.0f} s: {status}")
            time.sleep(min(float(retry_after or 0.2), 1.0))

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            mentioned = n % len(self.followers)
            key = uuid.uuid4().hex
            posted = self.request(
                "POST",
                "/api/v1/statuses",
                {**self.author["headers"], "Idempotency-Key": key},
                json={"status": f"post {self.tag}-{n} for @{self.names[mentioned]}"},
            )
            if posted.status_code == 200:
                self.acked.append((posted.json()["id"], mentioned))
            else:
                self.outcome.errors.append(f"post {n}: {posted.status_code} {posted.text[:200]}")
            reader = self.followers[n % len(self.followers)]
            self.request("GET", "/api/v1/timelines/home", reader["headers"], params={"limit": 20})
            if n % 3 == 0 and len(self.acked) > 1:
                self.request("POST", f"/api/v1/statuses/{self.acked[-2][0]}/favourite", reader["headers"])
            time.sleep(0.05)

    def __enter__(self) -> Load:
        self.thread.start()
        self.prober.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=RETRY_FOR_S + 15)
        self.prober.join(timeout=10)


class AlertWatch:
    """Every state an alert (with labels) takes while the fault lasts, polled in the background."""

    def __init__(self, prometheus: PrivatePrometheus, alertname: str, **labels: str) -> None:
        self.prometheus, self.alertname, self.labels = prometheus, alertname, labels
        self.seen: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                state = self.prometheus.active(self.alertname, **self.labels)
                if state:
                    self.seen.add(state)
            time.sleep(0.2)

    def __enter__(self) -> AlertWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


@dataclasses.dataclass
class Platform:
    server: Proc
    prometheus: PrivatePrometheus
    env: dict[str, str]
    client: Client
    author: dict[str, Any]
    followers: list[dict[str, Any]]
    names: list[str]
    acked: list[tuple[str, int]] = dataclasses.field(default_factory=list)


@pytest.fixture(scope="module")
def ctx() -> StackContext:
    return StackContext.default()


@pytest.fixture(scope="module")
def platform(
    stack_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    ctx: StackContext,
) -> Iterator[Platform]:
    root = tmp_path_factory.mktemp("ha")
    kafka = KafkaHA()
    cassandra = CassandraHA().rookery_env(ctx)  # contact points, RF 3, LOCAL_QUORUM
    stores = {**stack_env, **RedisHA().rookery_env(ctx), **PostgresHA().rookery_env(ctx), **kafka.rookery_env(ctx)}
    stores.update(cassandra)
    with cassandra_keyspace(stores) as keyspace:
        env = production_env(
            stores,
            root / "data",
            cassandra_keyspace=keyspace,
            ROOKERY_POSTGRES_STATEMENT_TIMEOUT_MS="3000",
            ROOKERY_POSTGRES_ACQUIRE_TIMEOUT_S="3",
            ROOKERY_KAFKA_REPLICATION_FACTOR=stores["ROOKERY_KAFKA_REPLICATION_FACTOR"],
            ROOKERY_HOME_TIMELINE_MAX=str(HOME_TIMELINE_MAX),
            **cassandra,
        )
        migrated = rookery(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        with (
            running(Proc(["serve", "--role", "all"], env, root / "serve.log")) as (server,),
            private_prometheus([f"127.0.0.1:{server.port}"]) as prometheus,
        ):
            client = Client(server.url)
            names = [f"reader{i}" for i in range(FOLLOWERS)]
            author = client.register("author")
            followers = [client.register(name) for name in names]
            for follower in followers:
                client.follow(follower, author)
            yield Platform(server, prometheus, env, client, author, followers, names)
        asyncio.run(_delete_tenant_topics(kafka.bootstrap(), {env["ROOKERY_TENANT"]}))  # off the three brokers
        # and its schema: the next run's standby rebuild copies every schema left (350 MB after a day)
        drop_postgres_schema(env["ROOKERY_POSTGRES_DSN"], env["ROOKERY_POSTGRES_SCHEMA"])


def _home_ids(platform: Platform, reader: dict[str, Any]) -> list[str]:
    """Every status id in ``reader``'s home timeline, newest first, through Link pagination."""
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 40}
    while True:
        page = platform.client.http.get("/api/v1/timelines/home", headers=reader["headers"], params=params)
        assert page.status_code == 200, page.text
        batch = [s["id"] for s in page.json()]
        if not batch:
            return ids
        ids += batch
        params = {"limit": 40, "max_id": batch[-1]}


def _mention_ids(platform: Platform, reader: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 40, "types[]": "mention"}
    while True:
        page = platform.client.http.get("/api/v1/notifications", headers=reader["headers"], params=params)
        assert page.status_code == 200, page.text
        batch = page.json()
        if not batch:
            return ids
        ids += [n["status"]["id"] for n in batch]
        params = {"limit": 40, "types[]": "mention", "max_id": batch[-1]["id"]}


async def _uncommitted(bootstrap: str, tenant: str) -> dict[str, int]:
    """Records on the tenant's topics that its consumer groups have not committed, by
    "group topic-partition" (only those with some)."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        behind: dict[str, int] = {}
        for group, _ in await admin.list_consumer_groups():
            if not group.startswith(f"{tenant}."):
                continue
            committed = await admin.list_consumer_group_offsets(group)
            ends = await consumer.end_offsets(list(committed))
            for tp, meta in committed.items():
                if meta.offset >= 0 and ends[tp] > meta.offset:
                    behind[f"{group} {tp.topic}-{tp.partition}"] = ends[tp] - meta.offset
        return behind
    finally:
        await consumer.stop()
        await admin.close()


def _author_texts(platform: Platform) -> collections.Counter[str]:
    texts: collections.Counter[str] = collections.Counter()
    params: dict[str, Any] = {"limit": 40}
    while True:
        page = platform.client.http.get(
            f"/api/v1/accounts/{platform.author['id']}/statuses", headers=platform.author["headers"], params=params
        )
        assert page.status_code == 200, page.text
        if not page.json():
            return texts
        texts.update(s["content"] for s in page.json())
        params = {"limit": 40, "max_id": page.json()[-1]["id"]}


def _server_log_tail(platform: Platform, lines: int = 30) -> str:
    """The server's last warnings, for a failure message."""
    log = platform.server.log_path.read_text(errors="replace").splitlines()
    warned = [line for line in log if any(level in line.upper() for level in ("WARNING", "ERROR"))]
    return "server warnings:\n" + "\n".join(warned[-lines:])


def _consumer_gauges(platform: Platform, behind: dict[str, int]) -> list[str]:
    """The process's /metrics lines about the groups that are behind (its lag, its handled events)."""
    groups = {key.split()[0] for key in behind}
    metrics = platform.client.http.get("/metrics").text.splitlines()
    wanted = ("rookery_kafka_consumer_lag{", "rookery_kafka_events_handled_total{")
    return [line for line in metrics if line.startswith(wanted) and any(f'"{g}"' in line for g in groups)]


def _assert_whole(platform: Platform) -> None:
    """Every acknowledged post in every follower's home exactly once; every mention notified once;
    no post made twice by a retried request; nothing dead-lettered; every group committed everything."""
    expected = {status_id for status_id, _ in platform.acked}
    assert len(expected) < HOME_TIMELINE_MAX, "more posts than a home keeps: raise HOME_TIMELINE_MAX"
    twice = {text: n for text, n in _author_texts(platform).items() if n > 1}
    assert not twice, f"a retried post was made twice: {twice}"

    def missing() -> dict[str, list[str]]:
        homes = zip(platform.names, platform.followers, strict=True)
        gaps = {name: sorted(expected - set(_home_ids(platform, follower))) for name, follower in homes}
        return {name: ids for name, ids in gaps.items() if ids}

    eventually(
        missing,
        until=lambda gaps: not gaps,
        timeout_s=60,
        interval_s=1,
        message=lambda gaps: (
            f"acknowledged posts missing from homes after 60 s: {gaps} (of {len(expected)}; "
            + _server_log_tail(platform)
            + ")"
        ),
    )
    for follower in platform.followers:
        seen = collections.Counter(_home_ids(platform, follower))
        doubled = {s: n for s, n in seen.items() if n > 1}
        assert not doubled, f"statuses twice in a home timeline: {doubled}"
    for index, follower in enumerate(platform.followers):
        wanted = {s for s, mentioned in platform.acked if mentioned == index}

        def notified(follower: dict[str, Any] = follower, wanted: set[str] = wanted) -> bool:
            return wanted <= set(_mention_ids(platform, follower))

        eventually(notified, f"{platform.names[index]}'s mentions", timeout_s=60, interval_s=1)
        mentions = collections.Counter(_mention_ids(platform, follower))
        assert all(mentions[s] == 1 for s in wanted), {s: mentions[s] for s in wanted if mentions[s] != 1}
    eventually(
        lambda: asyncio.run(_uncommitted(platform.env["ROOKERY_KAFKA_BOOTSTRAP"], platform.env["ROOKERY_TENANT"])),
        until=lambda behind: not behind,
        timeout_s=60,
        interval_s=1,
        message=lambda behind: (
            f"records still uncommitted after 60 s: {behind}; the process's own view: "
            + "\n".join(_consumer_gauges(platform, behind))
            + "\n"
            + _server_log_tail(platform)
        ),
    )
    metrics = platform.client.http.get("/metrics").text
    dead = [line for line in metrics.splitlines() if 'outcome="dead_lettered"' in line and not line.endswith(" 0.0")]
    assert not dead, dead


def _campaign(
    platform: Platform,
    name: str,
    fault: Callable[[], None],
    recover: Callable[[], None],
    alert: tuple[str, dict[str, str]],
    alert_expected: bool = True,
    watched: tuple[str, dict[str, str]] | None = None,
) -> Outcome:
    """Load for a few seconds, the fault, recovery, a few seconds more; then the checks and the table
    line. ``alert``: the rule (name, labels) that must go pending while the fault lasts (watched and
    printed only, when not ``alert_expected``: a fault the store absorbs, such as one broker of three);
    ``watched``: another rule, printed only. Returns what the load saw."""
    with Load(platform.server.url, platform.author, platform.followers, platform.names) as load:
        eventually(lambda: len(load.acked) >= 5, "the load posting", timeout_s=60, interval_s=0.2)
        load.outcome = Outcome()  # what the fault costs, from here
        faulted = time.monotonic()
        other = watched or alert
        with (
            AlertWatch(platform.prometheus, alert[0], **alert[1]) as watch,
            AlertWatch(platform.prometheus, other[0], **other[1]) as also,
        ):
            fault()
            recover()
        recovered_s = time.monotonic() - faulted
        settled = len(load.acked)
        eventually(lambda: len(load.acked) >= settled + 5, "the load posting again", timeout_s=90, interval_s=0.2)
    platform.acked += load.acked
    outcome = load.outcome
    print(
        f"\nHA fault | {name} ({len(platform.acked)} posts so far) | refused {outcome.window_s:.1f} s | "
        f"store whole again {recovered_s:.1f} s | "
        f"answers {dict(sorted(outcome.statuses.items()))} | {alert[0]} {sorted(watch.seen)}"
        + (f" | {watched[0]}{watched[1]} {sorted(also.seen)}" if watched else "")
    )
    assert watch.seen & {"pending", "firing"} or not alert_expected, f"{alert} never went pending"
    assert outcome.statuses[500] == 0 and not outcome.errors, outcome.errors
    assert outcome.missing_retry_after == 0, "a 503 without Retry-After"
    _assert_whole(platform)
    return outcome


def test_the_redis_primary_killed_sentinel_promotes_a_replica(platform: Platform, ctx: StackContext) -> None:
    redis = RedisHA()
    old = redis.primary(ctx)
    member = next(m for m in redis.redis_members() if m.address == old)

    def recover() -> None:
        eventually(lambda: redis.primary(ctx) != old, "Sentinel promoting a replica", timeout_s=60, interval_s=0.5)
        redis.start_member(ctx, member)  # back as a replica of the new primary
        eventually(lambda: redis.healthy(ctx), "three Redis nodes replicating again", timeout_s=60, interval_s=0.5)

    alert = ("RookeryStoreUnavailable", {"store": "redis"})
    _campaign(platform, "kill -9 the Redis primary", lambda: member.kill(ctx), recover, alert)
    assert redis.primary(ctx) != old


def test_the_redis_primary_paused_sentinel_promotes_a_replica(platform: Platform, ctx: StackContext) -> None:
    """Commands queued on the paused primary's open connections run when it resumes, before
    Sentinel demotes it, and are lost when it resyncs from the promoted replica: a home timeline
    push among them (a gap in the hot list, served as complete) before its writes waited for a
    replica (ROOKERY_REDIS_MIN_REPLICA_ACKS, 1 behind Sentinel). Now such a push is refused
    (0 replicas acknowledged) and the fan-out consumer retries it on the new primary."""
    redis = RedisHA()
    old = redis.primary(ctx)
    member = next(m for m in redis.redis_members() if m.address == old)

    def recover() -> None:
        try:
            eventually(lambda: redis.primary(ctx) != old, "Sentinel promoting a replica", timeout_s=60, interval_s=0.5)
        finally:
            member.resume(ctx)  # Sentinel then makes it a replica of the new primary
        eventually(lambda: redis.healthy(ctx), "three Redis nodes replicating again", timeout_s=60, interval_s=0.5)

    alert = ("RookeryStoreUnavailable", {"store": "redis"})
    _campaign(platform, "pause the Redis primary (SIGSTOP)", lambda: member.pause(ctx), recover, alert)
    assert redis.primary(ctx) != old


def test_the_postgres_primary_killed_and_the_standby_promoted(platform: Platform, ctx: StackContext) -> None:
    postgres = PostgresHA()
    primary = next(m for m in postgres.members() if postgres.role(m) == "primary")
    standby = next(m for m in postgres.members() if m != primary)

    def recover() -> None:
        time.sleep(2)  # an operator notices before it acts
        postgres.promote(ctx, standby)
        postgres.rejoin(ctx, primary)
        eventually(
            lambda: postgres.healthy(ctx), "PostgreSQL primary + synchronous standby", timeout_s=90, interval_s=0.5
        )

    alert = ("RookeryStoreUnavailable", {"store": "postgres"})
    name = "kill -9 the PostgreSQL primary, promote the standby"
    _campaign(platform, name, lambda: primary.kill(ctx), recover, alert)
    assert postgres.role(standby) == "primary" and postgres.role(primary) == "standby"


def _kafka_recovers(kafka: KafkaHA, ctx: StackContext, member: Member, moved: Callable[[], bool], what: str) -> None:
    """Wait until ``moved`` (the cluster did without ``member``), start it again, and wait until the
    three brokers are back with every partition's replicas in sync."""
    killed = time.monotonic()
    eventually(moved, what, timeout_s=60, interval_s=0.5)
    print(f"\nHA fault | {what} after {time.monotonic() - killed:.1f} s")
    kafka.start_member(ctx, member)
    eventually(lambda: kafka.healthy(ctx), "three brokers, every partition in sync", timeout_s=120, interval_s=1)


# a broker down: its partitions' in-sync replicas shrink, which Rookery's readiness check sees in the
# metadata; two brokers of three still serve, so no store alert is due (watched and printed: it
# went pending in 2 faults of 8 after the readiness fix, cause not found; see the README)
KAFKA_ALERT: tuple[str, dict[str, str]] = ("RookeryKafkaUnderReplicated", {})
KAFKA_STORE_ALERT = ("RookeryStoreUnavailable", {"store": "kafka"})


def test_the_kafka_controller_killed_the_quorum_elects_another(platform: Platform, ctx: StackContext) -> None:
    kafka = KafkaHA()
    controller = kafka.active_controller(ctx)

    def another() -> bool:
        try:
            return kafka.active_controller(ctx) != controller
        except StackError:
            return False

    def recover() -> None:
        _kafka_recovers(kafka, ctx, controller, another, "the controller quorum electing another leader")

    name = "kill -9 the active Kafka controller"
    _campaign(platform, name, lambda: controller.kill(ctx), recover, KAFKA_ALERT, watched=KAFKA_STORE_ALERT)
    assert kafka.active_controller(ctx) != controller


def _leader_moved(kafka: KafkaHA, name: str, partition: int, leader: Member) -> Callable[[], bool]:
    """Whether a broker other than ``leader`` leads ``name``'s ``partition`` now."""

    def moved() -> bool:
        try:
            return kafka.partition_leader(name, partition) != leader
        except Exception:
            return False

    return moved


def test_the_kafka_leader_of_a_posts_partition_killed(platform: Platform, ctx: StackContext) -> None:
    kafka = KafkaHA()
    posts = topic(platform.env["ROOKERY_TENANT"], POSTS)
    leader = kafka.partition_leader(posts, 0)
    assert len(kafka.describe([posts])[1][0]["replicas"]) == 3, "the tenant's topics are not replicated 3 times"

    def recover() -> None:
        moved = _leader_moved(kafka, posts, 0, leader)
        _kafka_recovers(kafka, ctx, leader, moved, f"another in-sync replica leading {posts}-0")

    name = "kill -9 the leader of a posts partition"
    _campaign(platform, name, lambda: leader.kill(ctx), recover, KAFKA_ALERT, watched=KAFKA_STORE_ALERT)


def test_the_kafka_leader_of_a_posts_partition_paused(platform: Platform, ctx: StackContext) -> None:
    """SIGSTOP: its connections stay open and unanswered (no reset, unlike a kill); the controller
    fences it after its missed heartbeats and another in-sync replica leads."""
    kafka = KafkaHA()
    posts = topic(platform.env["ROOKERY_TENANT"], POSTS)
    leader = kafka.partition_leader(posts, 1)

    def recover() -> None:
        killed = time.monotonic()
        try:
            eventually(
                _leader_moved(kafka, posts, 1, leader),
                f"another in-sync replica leading {posts}-1",
                timeout_s=60,
                interval_s=0.5,
            )
            print(f"\nHA fault | another in-sync replica leading {posts}-1 after {time.monotonic() - killed:.1f} s")
        finally:
            leader.resume(ctx)
        eventually(lambda: kafka.healthy(ctx), "three brokers, every partition in sync", timeout_s=120, interval_s=1)

    name = "pause the leader of a posts partition (SIGSTOP), resume it"
    _campaign(platform, name, lambda: leader.pause(ctx), recover, KAFKA_ALERT, watched=KAFKA_STORE_ALERT)


def _cassandra_recovers(
    cassandra: CassandraHA, ctx: StackContext, noticed: Callable[[], bool], what: str, repair: Callable[[], None]
) -> None:
    """Wait until ``noticed`` (a coordinator knows a node is gone), ``repair``, and wait until each
    node coordinates writes and reads at ALL again."""
    faulted = time.monotonic()
    try:
        eventually(noticed, what, timeout_s=60, interval_s=0.5)
        print(f"\nHA fault | {what} after {time.monotonic() - faulted:.1f} s")
    finally:
        repair()
    eventually(lambda: cassandra.healthy(ctx), "three Cassandra nodes serving at ALL", timeout_s=180, interval_s=1)


# one node of three: LOCAL_QUORUM has its two replicas, so no store alert is due (watched and printed);
# a killed node's connections close, so the driver marks it down: a paused or cut-off one keeps
# them open (the driver trusts its connections over the other nodes' word), so there it is watched
CASSANDRA_NODE_ALERT: tuple[str, dict[str, str]] = ("RookeryCassandraNodeDown", {})
CASSANDRA_STORE_ALERT = ("RookeryStoreUnavailable", {"store": "cassandra"})


def test_a_cassandra_node_killed_and_restarted(platform: Platform, ctx: StackContext) -> None:
    cassandra = CassandraHA()
    victim, witness = cassandra.members()[1], cassandra.members()[0]

    def recover() -> None:
        noticed = "the other nodes marking the killed one down"
        _cassandra_recovers(
            cassandra, ctx, lambda: cassandra.isolated(witness), noticed, lambda: cassandra.start_member(ctx, victim)
        )

    name = "kill -9 a Cassandra node, restart it"
    _campaign(platform, name, lambda: victim.kill(ctx), recover, CASSANDRA_NODE_ALERT, watched=CASSANDRA_STORE_ALERT)


def test_a_cassandra_node_cut_off_from_the_other_two_then_healed(platform: Platform, ctx: StackContext) -> None:
    cassandra = CassandraHA()
    victim = cassandra.members()[2]
    peers = [m.address for m in cassandra.members() if m != victim]

    def apart() -> bool:
        return cassandra.isolated(victim) and cassandra.isolated(cassandra.members()[0])

    def recover() -> None:
        noticed = "the cut-off node and its peers marking each other down"
        _cassandra_recovers(cassandra, ctx, apart, noticed, victim.host.heal)

    name = "cut a Cassandra node off from the other two, heal"
    cut = functools.partial(victim.host.cut_off, *peers)
    _campaign(platform, name, cut, recover, CASSANDRA_NODE_ALERT, alert_expected=False, watched=CASSANDRA_STORE_ALERT)


def test_a_cassandra_node_paused_then_resumed(platform: Platform, ctx: StackContext) -> None:
    cassandra = CassandraHA()
    victim, witness = cassandra.members()[0], cassandra.members()[1]

    def recover() -> None:
        noticed = "the other nodes marking the paused one down"
        _cassandra_recovers(cassandra, ctx, lambda: cassandra.isolated(witness), noticed, lambda: victim.resume(ctx))

    name = "pause a Cassandra node (SIGSTOP), resume it"
    pause = functools.partial(victim.pause, ctx)
    seen = _campaign(
        platform, name, pause, recover, CASSANDRA_NODE_ALERT, alert_expected=False, watched=CASSANDRA_STORE_ALERT
    )
    # the node keeps its connections open: requests it was given are answered by another replica
    # after the speculative delay (they waited out the 5 s timeout and were 503s before)
    assert seen.statuses[503] == 0, seen.statuses


def test_the_readme_table_names_every_fault() -> None:
    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    faults = [
        "kill -9 the Redis primary",
        "pause the Redis primary",
        "kill -9 the PostgreSQL primary",
        "kill -9 the active Kafka controller",
        "kill -9 the leader of a posts partition",
        "kill -9 a Cassandra node",
        "cut a Cassandra node off",
        "pause a Cassandra node",
        "pause the leader of a posts partition",
    ]
    for fault in faults:
        assert fault in readme, fault
