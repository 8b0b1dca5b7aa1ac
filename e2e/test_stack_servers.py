"""Each real-stack server answers its real Python client: the acceptance test of `make stack-up`."""

from __future__ import annotations

import asyncio
import functools
import json
import pathlib
import secrets
import time
import uuid

import httpx
import jwt
import pytest

from e2e import waiting
from e2e.stack import runner

# Poll probe until it returns something truthy; fail naming what never happened.
eventually = functools.partial(waiting.eventually, timeout_s=60.0, interval_s=0.5)


@pytest.mark.needs("postgres")
async def test_postgres_round_trip_as_superuser(stack_env: dict[str, str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(stack_env["ROOKERY_POSTGRES_DSN"])
    try:
        assert await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        await conn.execute("CREATE TEMP TABLE greeting (id bigint PRIMARY KEY, body text NOT NULL)")
        await conn.executemany("INSERT INTO greeting VALUES ($1, $2)", [(1, "hello"), (2, "héllo ✓")])
        rows = await conn.fetch("SELECT id, body FROM greeting ORDER BY id")
        assert [(r["id"], r["body"]) for r in rows] == [(1, "hello"), (2, "héllo ✓")]
        # tests create their own databases, so the stack's user must be allowed to
        name = f"stack_probe_{secrets.token_hex(4)}"
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.execute(f'DROP DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.mark.needs("redis")
async def test_redis_runs_a_lua_script(stack_env: dict[str, str]) -> None:
    import redis.asyncio as redis

    client = redis.from_url(stack_env["ROOKERY_REDIS_URL"])
    key = f"stack-test:{uuid.uuid4().hex}"
    script = (
        "local n = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[1], ARGV[2]); return n"
    )
    try:
        assert await client.eval(script, 1, key, 5, 60000) == 5
        assert await client.eval(script, 1, key, 7, 60000) == 12
        assert 0 < await client.pttl(key) <= 60000
    finally:
        await client.delete(key)
        await client.aclose()


@pytest.mark.needs("kafka")
async def test_kafka_produce_and_consume_in_a_group(stack_env: dict[str, str]) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    bootstrap = stack_env["ROOKERY_KAFKA_BOOTSTRAP"]
    topic, group = f"stack-test-{uuid.uuid4().hex[:8]}", f"stack-test-group-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic, f"event-{i}".encode(), key=f"author-{i % 2}".encode())
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen: list[bytes] = []
        async with asyncio.timeout(60):
            while len(seen) < 5:
                batch = await consumer.getmany(timeout_ms=1000)
                seen += [m.value for msgs in batch.values() for m in msgs]
        await consumer.commit()
        assert sorted(seen) == [f"event-{i}".encode() for i in range(5)]
        committed = [await consumer.committed(TopicPartition(topic, p)) or 0 for p in (0, 1)]
        assert sum(committed) == 5
    finally:
        await consumer.stop()


@pytest.mark.needs("cassandra")
def test_cassandra_keyspace_and_prepared_statement(stack_env: dict[str, str]) -> None:
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import DCAwareRoundRobinPolicy

    profile = ExecutionProfile(
        load_balancing_policy=DCAwareRoundRobinPolicy(stack_env["ROOKERY_CASSANDRA_LOCAL_DC"])
    )
    hosts = [point.rsplit(":", 1)[0] for point in stack_env["ROOKERY_CASSANDRA_CONTACT_POINTS"].split(",")]
    cluster = Cluster(
        hosts,
        port=int(stack_env["ROOKERY_CASSANDRA_PORT"]),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=4,
    )
    keyspace = f"stack_test_{uuid.uuid4().hex[:8]}"
    session = cluster.connect()
    try:
        session.execute(
            f"CREATE KEYSPACE {keyspace} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.set_keyspace(keyspace)
        session.execute(
            "CREATE TABLE timeline (user_id bigint, post_id bigint, body text, "
            "PRIMARY KEY (user_id, post_id)) WITH CLUSTERING ORDER BY (post_id DESC)"
        )
        insert = session.prepare("INSERT INTO timeline (user_id, post_id, body) VALUES (?, ?, ?)")
        for post_id in (10, 30, 20):
            session.execute(insert, (1, post_id, f"post {post_id}"))
        select = session.prepare("SELECT post_id, body FROM timeline WHERE user_id = ? LIMIT ?")
        rows = list(session.execute(select, (1, 2)))
        assert [(r.post_id, r.body) for r in rows] == [(30, "post 30"), (20, "post 20")]
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        cluster.shutdown()


@pytest.mark.needs("search")
@pytest.mark.parametrize("clients", ["here", "pods"])
def test_search_indexes_and_finds_a_document(stack_env: dict[str, str], clients: str) -> None:
    from opensearchpy import OpenSearch

    env = stack_env if clients == "here" else runner.pod_env(["search"])
    assert env["ROOKERY_SEARCH_ENGINE"] == "opensearch"
    client = OpenSearch(env["ROOKERY_SEARCH_URL"])
    index = f"stack-test-{uuid.uuid4().hex[:8]}"
    try:
        client.indices.create(index=index, body={"mappings": {"properties": {"text": {"type": "text"}}}})
        client.index(index=index, body={"text": "the rookery wakes at dawn"}, id="1", refresh=True)
        client.index(index=index, body={"text": "penguins swim at noon"}, id="2", refresh=True)
        hits = client.search(index=index, body={"query": {"match": {"text": "dawn"}}})["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["1"]
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
        client.close()


@pytest.mark.needs("keycloak")
def test_keycloak_token_validates_through_jwks(stack_env: dict[str, str]) -> None:
    issuer = stack_env["ROOKERY_OIDC_ISSUER"]
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == issuer
    r = httpx.post(
        discovery["token_endpoint"],
        timeout=30,
        data={
            "grant_type": "password",
            "client_id": stack_env["ROOKERY_OIDC_TEST_CLIENT_ID"],
            "username": stack_env["ROOKERY_OIDC_TEST_USERNAME"],
            "password": stack_env["ROOKERY_OIDC_TEST_PASSWORD"],
            "scope": "openid email",
        },
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=stack_env["ROOKERY_OIDC_AUDIENCE"],
        issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    assert claims["preferred_username"] == "alice"
    assert claims["email"] == "alice@example.test"
    assert claims["exp"] > time.time()
    # a token for another audience is refused
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, signing_key.key, algorithms=["RS256"], audience="someone-else", issuer=issuer)


@pytest.mark.needs("keycloak")
def test_keycloak_gateway_service_account_manages_users(stack_env: dict[str, str]) -> None:
    issuer = stack_env["ROOKERY_OIDC_ISSUER"]
    r = httpx.post(
        f"{issuer}/protocol/openid-connect/token",
        timeout=30,
        data={
            "grant_type": "client_credentials",
            "client_id": stack_env["ROOKERY_OIDC_CLIENT_ID"],
            "client_secret": stack_env["ROOKERY_OIDC_CLIENT_SECRET"],
        },
    )
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    admin = f"{stack_env['ROOKERY_KEYCLOAK_URL']}/admin/realms/rookery/users"
    username = f"stack-test-{uuid.uuid4().hex[:8]}"
    created = httpx.post(
        admin,
        headers=headers,
        timeout=30,
        json={
            "username": username,
            "enabled": True,
            "email": f"{username}@example.test",
            "firstName": "Stack",
            "lastName": "Test",
        },
    )
    assert created.status_code == 201, created.text
    found = httpx.get(
        admin, headers=headers, params={"username": username, "exact": "true"}, timeout=30
    ).json()
    assert [u["username"] for u in found] == [username]
    assert httpx.delete(f"{admin}/{found[0]['id']}", headers=headers, timeout=30).status_code == 204


@pytest.mark.needs("prometheus")
def test_prometheus_scrapes_a_target(stack_env: dict[str, str], tmp_path: pathlib.Path) -> None:
    from prometheus_client import CollectorRegistry, Counter, start_http_server

    registry = CollectorRegistry()
    Counter("rookery_stack_probe", "counts nothing but itself", registry=registry).inc(42)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    run = uuid.uuid4().hex[:8]
    target_file = pathlib.Path(stack_env["ROOKERY_PROMETHEUS_TARGETS_DIR"]) / f"stack-test-{run}.json"
    try:
        target_file.write_text(
            json.dumps([{"targets": [f"127.0.0.1:{server.server_port}"], "labels": {"stack_test": run}}])
        )

        def query(expr: str) -> list[dict]:
            r = httpx.get(
                f"{stack_env['ROOKERY_PROMETHEUS_URL']}/api/v1/query", params={"query": expr}, timeout=10
            )
            assert r.status_code == 200, r.text
            return r.json()["data"]["result"]

        up = eventually(
            lambda: query(f'up{{stack_test="{run}"}} == 1'), "Prometheus scraping the test's target"
        )
        assert up[0]["metric"]["job"] == "rookery"
        probe = eventually(
            lambda: query(f'rookery_stack_probe_total{{stack_test="{run}"}}'), "the probe metric"
        )
        assert float(probe[0]["value"][1]) == 42.0
    finally:
        target_file.unlink(missing_ok=True)
        server.shutdown()
        thread.join(5)


@pytest.mark.needs("zipkin")
def test_zipkin_returns_a_posted_span(stack_env: dict[str, str]) -> None:
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    span = {
        "traceId": trace_id,
        "id": span_id,
        "name": "get /api/v1/timelines/home",
        "kind": "SERVER",
        "timestamp": int(time.time() * 1_000_000),
        "duration": 1500,
        "localEndpoint": {"serviceName": "rookery-gateway"},
        "tags": {"http.status_code": "200"},
    }
    posted = httpx.post(stack_env["ROOKERY_ZIPKIN_ENDPOINT"], json=[span], timeout=10)
    assert posted.status_code == 202, posted.text

    def fetch() -> list[dict] | None:
        r = httpx.get(f"{stack_env['ROOKERY_ZIPKIN_URL']}/api/v2/trace/{trace_id}", timeout=10)
        return r.json() if r.status_code == 200 else None

    trace = eventually(fetch, "Zipkin returning the posted trace", timeout_s=30)
    assert [(s["id"], s["name"], s["localEndpoint"]["serviceName"]) for s in trace] == [
        (span_id, "get /api/v1/timelines/home", "rookery-gateway")
    ]
