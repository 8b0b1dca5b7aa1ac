"""Pods reach every real-stack server: each answers its real client on hostnet.POD_HOST, through the
settings `make stack-secret` writes for pods (runner.pod_env), while clients here keep 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from e2e.stack import hostnet, runner
from e2e.test_stack_node import Kubectl, cluster  # noqa: F401  (cluster: the node's echo pods, a fixture)
from e2e.waiting import eventually


@pytest.fixture(scope="module")
def pod_env() -> dict[str, str]:
    env = runner.pod_env(None)
    assert env, "no server has settings for pods"
    return env


def test_every_pod_setting_names_pod_host_and_never_loopback(pod_env: dict[str, str]) -> None:
    for name in ("ROOKERY_POSTGRES_DSN", "ROOKERY_REDIS_URL", "ROOKERY_KAFKA_BOOTSTRAP",
                 "ROOKERY_CASSANDRA_CONTACT_POINTS", "ROOKERY_SEARCH_URL", "ROOKERY_OIDC_ISSUER",
                 "ROOKERY_PROMETHEUS_URL", "ROOKERY_ZIPKIN_ENDPOINT"):  # fmt: skip
        assert hostnet.POD_HOST in pod_env[name], name
    assert not [k for k, v in pod_env.items() if "127.0.0.1" in v or "localhost" in v]


@pytest.mark.needs("postgres")
async def test_postgres_on_pod_host_and_pods_may_sign_in(pod_env: dict[str, str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(pod_env["ROOKERY_POSTGRES_DSN"])
    try:
        assert str(await conn.fetchval("SELECT inet_server_addr()")) == hostnet.POD_HOST
        await conn.execute("CREATE TEMP TABLE reach (id int PRIMARY KEY)")
        await conn.execute("INSERT INTO reach VALUES (1)")
        assert await conn.fetchval("SELECT count(*) FROM reach") == 1
        # the pod network may sign in with a password (a pod's own address cannot be tried from here)
        rules = await conn.fetch("SELECT address, netmask, auth_method FROM pg_hba_file_rules WHERE type = 'host'")
        assert ("10.244.0.0", "255.255.0.0", "scram-sha-256") in {
            (r["address"], r["netmask"], r["auth_method"]) for r in rules
        }
    finally:
        await conn.close()


@pytest.mark.needs("redis")
async def test_redis_on_pod_host(pod_env: dict[str, str], stack_env: dict[str, str]) -> None:
    import redis.asyncio as redis

    pods, here = redis.from_url(pod_env["ROOKERY_REDIS_URL"]), redis.from_url(stack_env["ROOKERY_REDIS_URL"])
    key = f"reach:{uuid.uuid4().hex}"
    try:
        assert (await pods.client_info())["laddr"] == f"{hostnet.POD_HOST}:6379"
        await pods.set(key, "from a pod", ex=60)
        assert await here.get(key) == b"from a pod"  # one server behind both addresses
    finally:
        await pods.delete(key)
        await pods.aclose()
        await here.aclose()


@pytest.mark.needs("kafka")
async def test_kafka_advertises_pod_host_to_pod_clients(pod_env: dict[str, str], stack_env: dict[str, str]) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = f"reach-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=pod_env["ROOKERY_KAFKA_BOOTSTRAP"], acks="all")
    await producer.start()
    try:
        # the metadata a pod gets names the broker at an address the pod reaches
        brokers = producer.client.cluster.brokers()
        assert {(b.host, b.port) for b in brokers} == {(hostnet.POD_HOST, 9094)}
        await producer.send_and_wait(topic, b"from a pod")
    finally:
        await producer.stop()
    # ... while a client here still gets 127.0.0.1 and reads the same topic
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=stack_env["ROOKERY_KAFKA_BOOTSTRAP"], auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        assert {(b.host, b.port) for b in consumer._client.cluster.brokers()} == {("127.0.0.1", 9092)}
        async with asyncio.timeout(60):
            message = await consumer.getone()
        assert message.value == b"from a pod"
    finally:
        await consumer.stop()
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=stack_env["ROOKERY_KAFKA_BOOTSTRAP"])
        await admin.start()
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()


@pytest.mark.needs("cassandra")
def test_cassandra_from_both_addresses(pod_env: dict[str, str], stack_env: dict[str, str]) -> None:
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import DCAwareRoundRobinPolicy

    def connect(contact_points: str) -> Cluster:
        profile = ExecutionProfile(
            load_balancing_policy=DCAwareRoundRobinPolicy(stack_env["ROOKERY_CASSANDRA_LOCAL_DC"])
        )
        hosts = [point.rsplit(":", 1)[0] for point in contact_points.split(",")]
        return Cluster(
            hosts,
            port=int(stack_env["ROOKERY_CASSANDRA_PORT"]),
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
            protocol_version=4,
        )

    keyspace = f"reach_{uuid.uuid4().hex[:8]}"
    pods, here = (
        connect(pod_env["ROOKERY_CASSANDRA_CONTACT_POINTS"]),
        connect(stack_env["ROOKERY_CASSANDRA_CONTACT_POINTS"]),
    )
    try:
        pod_session, here_session = pods.connect(), here.connect()
        # each driver talks to the node at the address it was given, and knows no other
        assert [h.endpoint.address for h in pods.metadata.all_hosts()] == [hostnet.POD_HOST]
        assert [h.endpoint.address for h in here.metadata.all_hosts()] == ["127.0.0.1"]
        local = pod_session.execute("SELECT rpc_address FROM system.local").one()
        assert str(local.rpc_address) == hostnet.POD_HOST
        pod_session.execute(
            f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
        )
        pod_session.execute(f"CREATE TABLE {keyspace}.notes (id int PRIMARY KEY, body text)")
        insert = pod_session.prepare(f"INSERT INTO {keyspace}.notes (id, body) VALUES (?, ?)")
        pod_session.execute(insert, (1, "from a pod"))
        select = here_session.prepare(f"SELECT body FROM {keyspace}.notes WHERE id = ?")
        assert here_session.execute(select, (1,)).one().body == "from a pod"
    finally:
        here.connect().execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        pods.shutdown()
        here.shutdown()


# OpenSearch on POD_HOST: test_stack_servers.py::test_search_indexes_and_finds_a_document[pods]


@pytest.mark.needs("keycloak")
def test_keycloak_tokens_for_pods_validate_against_the_pod_issuer(
    pod_env: dict[str, str], stack_env: dict[str, str]
) -> None:
    """Pods use Keycloak through POD_HOST only: a token names the address it was asked through, and
    both addresses sign with the same realm keys."""
    issuer = pod_env["ROOKERY_OIDC_ISSUER"]
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == issuer and discovery["jwks_uri"].startswith(issuer)
    grant = {
        "grant_type": "client_credentials",
        "client_id": pod_env["ROOKERY_OIDC_CLIENT_ID"],
        "client_secret": pod_env["ROOKERY_OIDC_CLIENT_SECRET"],
    }
    r = httpx.post(discovery["token_endpoint"], data=grant, timeout=30)
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=pod_env["ROOKERY_OIDC_AUDIENCE"], issuer=issuer)
    assert claims["exp"] > time.time()
    here = stack_env["ROOKERY_OIDC_ISSUER"]
    assert here.startswith("http://127.0.0.1:")
    here_keys = jwt.PyJWKClient(f"{here}/protocol/openid-connect/certs")
    assert here_keys.get_signing_key_from_jwt(token).key_id == key.key_id


@pytest.mark.needs("prometheus")
def test_prometheus_on_pod_host(pod_env: dict[str, str]) -> None:
    r = httpx.get(f"{pod_env['ROOKERY_PROMETHEUS_URL']}/api/v1/query", params={"query": "up"}, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "success", r.text


@pytest.mark.needs("zipkin")
def test_zipkin_takes_spans_on_pod_host(pod_env: dict[str, str], stack_env: dict[str, str]) -> None:
    trace_id = secrets.token_hex(16)
    span = {
        "traceId": trace_id,
        "id": secrets.token_hex(8),
        "name": "get /healthz",
        "timestamp": int(time.time() * 1_000_000),
        "duration": 100,
        "localEndpoint": {"serviceName": "rookery-pod"},
    }
    assert httpx.post(pod_env["ROOKERY_ZIPKIN_ENDPOINT"], json=[span], timeout=10).status_code == 202

    def fetch() -> list[dict] | None:
        r = httpx.get(f"{stack_env['ROOKERY_ZIPKIN_URL']}/api/v2/trace/{trace_id}", timeout=10)
        return r.json() if r.status_code == 200 else None

    trace = eventually(fetch, "Zipkin returning the span posted on POD_HOST", timeout_s=30, interval_s=0.5)
    assert [s["localEndpoint"]["serviceName"] for s in trace] == ["rookery-pod"]


@pytest.mark.needs("node", "postgres", "redis", "kafka", "cassandra", "search", "keycloak", "prometheus", "zipkin")
def test_a_pod_on_the_real_node_reaches_every_server(cluster: Kubectl, pod_env: dict[str, str]) -> None:  # noqa: F811
    """From a pod's own network namespace (the node's echo pods): the HTTP servers answer its
    requests; the others, which speak only when spoken to, accept its connection (a refused one or
    Redis' protected-mode DENIED would be the failure)."""

    def get(url: str) -> str:
        return cluster.exec("client", "/echo", "get", url)

    assert json.loads(get(f"{pod_env['ROOKERY_SEARCH_URL']}/_cluster/health"))["status"] in ("green", "yellow")
    issuer = pod_env["ROOKERY_OIDC_ISSUER"]
    assert json.loads(get(f"{issuer}/.well-known/openid-configuration"))["issuer"] == issuer
    assert "Ready" in get(f"{pod_env['ROOKERY_PROMETHEUS_URL']}/-/ready")
    assert json.loads(get(f"{pod_env['ROOKERY_ZIPKIN_URL']}/health"))["status"] == "UP"
    addresses = {
        "postgres": urlsplit(pod_env["ROOKERY_POSTGRES_DSN"]).netloc.rsplit("@", 1)[-1],
        "redis": urlsplit(pod_env["ROOKERY_REDIS_URL"]).netloc,
        "kafka": pod_env["ROOKERY_KAFKA_BOOTSTRAP"],
        "cassandra": pod_env["ROOKERY_CASSANDRA_CONTACT_POINTS"],
    }
    for server, address in addresses.items():
        assert address.startswith(f"{hostnet.POD_HOST}:"), (server, address)
        done = cluster.run("exec", "client", "--", "/echo", "read", address, check=False)
        assert "i/o timeout" in done.stderr and not done.stdout.strip(), (server, done.stdout, done.stderr)
