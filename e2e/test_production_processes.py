"""Production mode end to end: `rookery migrate`, `rookery serve`, `rookery worker` as processes
configured only by ROOKERY_* settings, on the real PostgreSQL, Redis, Kafka and Cassandra."""

from __future__ import annotations

import concurrent.futures
import functools
import pathlib
import shutil
import tempfile
from typing import Any

import httpx
import pytest

from e2e import waiting
from e2e.production_support import (
    Client,
    PrivateKafka,
    Proc,
    cassandra_keyspace,
    production_env,
    rookery,
    running,
)
from e2e.servers import free_port

pytestmark = pytest.mark.needs("postgres", "redis", "kafka", "cassandra")


@pytest.fixture(scope="module")
def keyspace(stack_env: dict[str, str]) -> Any:
    with cassandra_keyspace(stack_env) as name:
        yield name


eventually = functools.partial(waiting.eventually, timeout_s=60.0, interval_s=0.25)


def home_ids(http: httpx.Client, user: dict[str, Any], limit: int = 40) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        page = http.get("/api/v1/timelines/home", headers=user["headers"], params=params)
        assert page.status_code == 200, page.text
        batch = [s["id"] for s in page.json()]
        if not batch:
            return ids
        ids += batch
        params = {"limit": limit, "max_id": batch[-1]}


def test_migrate_serve_ready_and_metrics(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str
) -> None:
    env = production_env(stack_env, tmp_path / "data", cassandra_keyspace=keyspace)
    # two migrators at once: the advisory lock lets one apply, the other finds nothing left to do
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: rookery(env, "migrate"), range(2)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    output = "".join(r.stdout for r in results)
    assert output.count("applied postgres 0001_accounts_oauth") == 1  # once, by one of them
    again = rookery(env, "migrate")
    assert again.returncode == 0 and "schemas are up to date" in again.stdout

    with running(Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")) as (server,):
        ready = httpx.get(f"{server.url}/readyz")
        assert ready.status_code == 200, ready.text
        assert {"postgres", "redis", "kafka", "cassandra"} <= set(ready.json()["checks"])
        client = Client(server.url)
        alice, bob = client.register("alice"), client.register("bob")
        assert (
            client.http.post(f"/api/v1/accounts/{alice['id']}/follow", headers=bob["headers"]).status_code
            == 200
        )
        status = client.http.post(
            "/api/v1/statuses", headers=alice["headers"], json={"status": "hello kafka"}
        )
        assert status.status_code == 200, status.text
        eventually(lambda: status.json()["id"] in home_ids(client.http, bob), "fan-out to bob's home")
        account = client.http.get(f"/api/v1/accounts/{alice['id']}")
        assert account.json()["statuses_count"] == 1
        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'route="/api/v1/accounts/{account_id:int}"' in metrics  # per route template, not per path
        assert "rookery_http_request_duration_seconds_bucket" in metrics
        client.close()


def test_sigkilled_fanout_worker_loses_and_repeats_nothing(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str
) -> None:
    env = production_env(
        stack_env, tmp_path / "data", cassandra_keyspace=keyspace, ROOKERY_KAFKA_PARTITIONS="3"
    )
    assert rookery(env, "migrate").returncode == 0
    api = Proc(["serve", "--role", "gateway,accounts,posts,graph,notifications"], env, tmp_path / "api.log")
    with running(api):
        client = Client(api.url)
        authors = [client.register(f"author{i}") for i in range(3)]
        followers = [client.register(f"reader{i}") for i in range(4)]
        client.follow_each(followers, authors)
        first = Proc(["worker", "fanout"], env, tmp_path / "fanout-1.log").start()
        second: Proc | None = None
        posted: list[str] = []
        try:
            for n in range(45):
                author = authors[n % 3]
                response = client.http.post(
                    "/api/v1/statuses", headers=author["headers"], json={"status": f"#{n}"}
                )
                assert response.status_code == 200, response.text
                posted.append(response.json()["id"])
                if n == 15:
                    first.kill()  # mid-stream, its batch uncommitted
                    second = Proc(["worker", "fanout"], env, tmp_path / "fanout-2.log").start()
            expected = sorted(posted, key=int, reverse=True)
            for reader in followers:
                eventually(
                    lambda reader=reader: len(home_ids(client.http, reader)) >= len(expected),
                    f"every post in {reader['id']}'s home",
                )
                timeline = home_ids(client.http, reader)
                assert timeline == expected  # none lost, none twice, newest first
        finally:
            first.stop()
            if second is not None:
                second.stop()
            client.close()


def test_kafka_restarted_mid_stream_loses_and_repeats_nothing(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str
) -> None:
    """A private broker (the shared one keeps serving other tests) is SIGKILLed while posts keep
    coming: the posts commit with their outbox rows, the relay retries, and once the broker is
    back every follower's home timeline holds exactly the posts."""
    broker = PrivateKafka(pathlib.Path(tempfile.mkdtemp(prefix="rookery-private-kafka-")))
    try:
        broker.init()
        broker.start()
        env = production_env(
            {**stack_env, "ROOKERY_KAFKA_BOOTSTRAP": broker.bootstrap},
            tmp_path / "data",
            cassandra_keyspace=keyspace,
            ROOKERY_KAFKA_PARTITIONS="3",
        )
        assert rookery(env, "migrate").returncode == 0
        api = Proc(
            ["serve", "--role", "gateway,accounts,posts,graph,notifications"], env, tmp_path / "api.log"
        )
        worker = Proc(["worker", "fanout"], env, tmp_path / "fanout.log")
        with running(api, worker):
            client = Client(api.url)
            authors = [client.register(f"author{i}") for i in range(2)]
            readers = [client.register(f"reader{i}") for i in range(3)]
            client.follow_each(readers, authors)
            posted: list[str] = []
            for n in range(30):
                author = authors[n % 2]
                response = client.http.post(
                    "/api/v1/statuses", headers=author["headers"], json={"status": f"#{n}"}
                )
                assert response.status_code == 200, response.text  # the broker is not on the write path
                posted.append(response.json()["id"])
                if n == 10:
                    broker.kill()
                if n == 20:
                    broker.start()
            expected = sorted(posted, key=int, reverse=True)
            for reader in readers:
                eventually(
                    lambda reader=reader: home_ids(client.http, reader),
                    until=lambda home: len(home) >= len(expected),
                    timeout_s=120,
                    message=lambda home, reader=reader: (
                        f"{reader['id']}'s home lacks {sorted(set(expected) - set(home), key=int)} of {len(expected)}"
                        f" posts after 120 s;\nthe fanout worker's log:\n{worker.log()[-3000:]}"
                        f"\nthe API's log:\n{api.log()[-3000:]}\nthe broker's log:\n{broker.log()[-2000:]}"
                    ),
                )
                assert home_ids(client.http, reader) == expected  # none lost, none twice
            assert api.alive() and worker.alive()
            client.close()
    finally:
        broker.stop()
        shutil.rmtree(broker.root, ignore_errors=True)


def test_two_serving_processes_posting_at_once_issue_ids_of_their_own(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str
) -> None:
    """Two replicas posting in the same milliseconds: every post is accepted under an id of its
    own and every one reaches the follower's home. Each process issues ids under a node leased in
    Redis (ids.py); without it both issue the same ids in a shared millisecond, and the later
    status is refused by the primary key or its event skipped as already processed."""
    port = free_port()  # the first replica's, its URL the public one of both (tokens name it)
    env = production_env(
        stack_env, tmp_path / "data", cassandra_keyspace=keyspace, ROOKERY_PUBLIC_URL=f"http://127.0.0.1:{port}"
    )
    assert rookery(env, "migrate").returncode == 0
    replicas = (
        Proc(["serve", "--role", "all"], env, tmp_path / "one.log", port=port),
        Proc(["serve", "--role", "all"], env, tmp_path / "two.log"),
    )
    with running(*replicas):
        client = Client(replicas[0].url)
        authors = [client.register(f"twin{i}") for i in range(4)]
        reader = client.register("twinreader")
        client.follow_each([reader], authors)
        https = [httpx.Client(base_url=replica.url, timeout=30) for replica in replicas]

        def post(n: int) -> httpx.Response:
            author = authors[n % len(authors)]
            return https[n % 2].post("/api/v1/statuses", headers=author["headers"], json={"status": f"twin #{n}"})

        try:
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                responses = list(pool.map(post, range(240)))
            assert [r.status_code for r in responses if r.status_code != 200] == [], responses[0].text
            posted = [r.json()["id"] for r in responses]
            assert len(set(posted)) == len(posted)
            expected = sorted(posted, key=int, reverse=True)
            eventually(lambda: len(home_ids(client.http, reader)) >= len(expected), "every post in the home")
            assert home_ids(client.http, reader) == expected  # none lost, none twice
        finally:
            for http in https:
                http.close()
            client.close()
