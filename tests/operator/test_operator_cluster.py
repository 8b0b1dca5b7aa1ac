"""The operator against a real kube-apiserver (pods through kwok), Kafka and Cassandra."""

from __future__ import annotations

import base64
import os
import pathlib
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
import yaml
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from cassandra.cluster import Cluster as CassandraCluster
from cassandra.policies import RoundRobinPolicy
from kubernetes.client.exceptions import ApiException
from operator_harness import (
    GROUP_VERSION,
    RESYNC_S,
    ROOT,
    Cluster,
    cassandra_points,
    condition,
    small_tenant,
    unique,
)

pytestmark = pytest.mark.needs("kube", "kafka", "cassandra")

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "crds" / "examples"
HASH = "rookery.dev/config-hash"


# -- the real servers, read without the operator's code ----------------------------------------


async def kafka_topics(bootstrap: str, prefix: str) -> dict[str, dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [n for n in await admin.list_topics() if n.startswith(prefix)]
        if not names:
            return {}
        described = {d["topic"]: d for d in await admin.describe_topics(names)}
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
        configs = {}
        for response in responses:
            for res in response.to_object()["resources"]:
                configs[res["resource_name"]] = {
                    e["config_names"]: e["config_value"] for e in res["config_entries"]
                }
        return {
            n: {
                "partitions": len(described[n]["partitions"]),
                "replicas": len(described[n]["partitions"][0]["replicas"]),
                "retention.ms": configs[n]["retention.ms"],
                "cleanup.policy": configs[n]["cleanup.policy"],
            }
            for n in names
        }
    finally:
        await admin.close()


async def delete_kafka_topics(bootstrap: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [n for n in await admin.list_topics() if n.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def cql(kube_env: dict[str, str]) -> Any:
    points = cassandra_points(kube_env)
    hosts = [p.rsplit(":", 1)[0] for p in points.split(",")]
    port = int(points.split(",")[0].rsplit(":", 1)[1]) if ":" in points else 9042
    cluster = CassandraCluster(hosts, port=port, load_balancing_policy=RoundRobinPolicy(), protocol_version=4)
    session = cluster.connect()
    yield session
    cluster.shutdown()


def replication(cql: Any, keyspace: str) -> dict[str, str] | None:
    row = cql.execute(
        "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", (keyspace,)
    ).one()
    return dict(row.replication) if row else None


def table_exists(cql: Any, keyspace: str, table: str) -> bool:
    query = "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s"
    return cql.execute(query, (keyspace, table)).one() is not None


# -- helpers ---------------------------------------------------------------------------------------


def tenant(cluster: Cluster, ns: str, name: str) -> dict[str, Any] | None:
    return cluster.get(GROUP_VERSION, "SocialTenant", name, ns)


def ready(cluster: Cluster, ns: str, kind: str, name: str) -> dict[str, Any] | None:
    obj = cluster.get(GROUP_VERSION, kind, name, ns)
    current = obj and condition(obj, "Ready").get("observedGeneration") == obj["metadata"]["generation"]
    return obj if current and condition(obj, "Ready").get("status") == "True" else None


def wait_provisioned(cluster: Cluster, ns: str, name: str) -> dict[str, Any]:
    """Topics, keyspace and children done for the current generation (pod readiness aside)."""

    def done() -> dict[str, Any] | None:
        obj = tenant(cluster, ns, name)
        gen = obj and obj["metadata"]["generation"]
        conds = [condition(obj, t) for t in ("KafkaReady", "CassandraReady")]
        return (
            obj
            if all(c.get("status") == "True" and c.get("observedGeneration") == gen for c in conds)
            else None
        )

    return cluster.wait_for(f"tenant {name} provisioned", done)


def wait_ready(cluster: Cluster, ns: str, kind: str, name: str, timeout: float = 240) -> dict[str, Any]:
    try:
        return cluster.wait_for(f"{kind} {name} Ready", lambda: ready(cluster, ns, kind, name), timeout)
    except AssertionError as exc:
        obj = cluster.get(GROUP_VERSION, kind, name, ns) or {}
        seen = (obj.get("metadata") or {}).get("generation"), obj.get("status")
        raise AssertionError(f"{exc}\n(generation, status) = {seen}") from None


def children(cluster: Cluster, ns: str, tenant_name: str) -> dict[tuple[str, str], str]:
    """(kind, name) -> resourceVersion of everything the operator made for the tenant."""
    out = {}
    kinds = [
        ("v1", "ConfigMap"), ("v1", "Service"), ("apps/v1", "Deployment"), ("batch/v1", "Job"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"), ("policy/v1", "PodDisruptionBudget"),
        ("networking.k8s.io/v1", "NetworkPolicy"), ("networking.k8s.io/v1", "Ingress"),
    ]  # fmt: skip
    for api_version, kind in kinds:
        for obj in cluster.list(api_version, kind, ns, f"rookery.dev/tenant={tenant_name}"):
            out[(kind, obj["metadata"]["name"])] = obj["metadata"]["resourceVersion"]
    return out


def load(file: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((EXAMPLES / file).read_text()) if d]


def events(cluster: Cluster, ns: str, name: str) -> list[str]:
    return [e["reason"] for e in cluster.list("v1", "Event", ns) if e["involvedObject"]["name"] == name]


def pods_ready(cluster: Cluster, ns: str, selector: str) -> list[dict[str, Any]]:
    pods = cluster.list("v1", "Pod", ns, selector)
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    ok = all(
        any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in (p.get("status") or {}).get("conditions") or []
        )
        for p in live
    )
    return live if live and ok else []


# -- the examples ----------------------------------------------------------------------------------


async def test_examples_create_every_child_topic_keyspace_and_reach_ready(
    cluster: Cluster, namespace: str, kube_env: dict[str, str], cql: Any
) -> None:
    bootstrap = kube_env["ROOKERY_KAFKA_BOOTSTRAP"]
    # the example's names are fixed: clear what an earlier run retained (retentionPolicy: Retain)
    await delete_kafka_topics(bootstrap, "birdhouse.")
    cql.execute('DROP KEYSPACE IF EXISTS "birdhouse"', timeout=120)

    for doc in load("tenant.yaml") + load("feedshards.yaml") + load("models.yaml"):
        cluster.create(doc, namespace=namespace)
    start = time.monotonic()

    body = wait_ready(cluster, namespace, "SocialTenant", "birdhouse")
    elapsed = time.monotonic() - start
    print(f"apply -> Ready: {elapsed:.1f}s")
    status = body["status"]
    assert status["phase"] == "Ready"
    assert status["endpoint"] == "https://birdhouse.example.org"
    for type_ in ("KafkaReady", "CassandraReady", "WorkloadsReady", "MigrationsComplete"):
        assert condition(body, type_)["status"] == "True", condition(body, type_)
    assert condition(body, "Degraded")["status"] == "False"
    assert condition(body, "Progressing")["status"] == "False"

    made = children(cluster, namespace, "birdhouse")
    kinds = [k for k, _ in made]
    assert kinds.count("Deployment") == 11 + 6 + 2  # roles, workers, two shards' fan-out workers
    assert kinds.count("Service") == 11
    # default deny, public ingress to the gateway, metrics, egress, and one from the gateway per role (split)
    assert kinds.count("NetworkPolicy") == 4 + 10
    assert ("NetworkPolicy", "birdhouse-allow-gateway-posts") in made
    assert ("HorizontalPodAutoscaler", "birdhouse-gateway") in made
    assert ("PodDisruptionBudget", "birdhouse-posts") in made
    assert ("Ingress", "birdhouse") in made and ("ConfigMap", "birdhouse-config") in made
    assert kinds.count("Job") == 1
    assert pods_ready(
        cluster, namespace, "app.kubernetes.io/instance=birdhouse,app.kubernetes.io/component=posts"
    )

    topics = await kafka_topics(bootstrap, "birdhouse.")
    assert topics["birdhouse.posts"] == {
        "partitions": 6, "replicas": 1, "retention.ms": str(168 * 3600_000), "cleanup.policy": "delete",
    }  # fmt: skip
    assert topics["birdhouse.dead-letter"]["partitions"] == 1
    assert topics["birdhouse.dead-letter"]["retention.ms"] == str(720 * 3600_000)
    assert topics["birdhouse.analytics"]["retention.ms"] == str(24 * 3600_000)
    assert topics["birdhouse.fanout.birdhouse-feed-0"]["partitions"] == 3
    assert len([t for t in topics if t.count(".") == 1]) == 9
    assert replication(cql, "birdhouse") == {
        "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
        "datacenter1": "1",
    }
    for table in ("home_timeline_birdhouse_feed_1", "home_timeline_birdhouse_feed_1_days"):
        assert table_exists(cql, "birdhouse", table)  # the workloads' home timeline schema
    assert table_exists(cql, "birdhouse", "home_timeline_birdhouse_feed_1_by_status")

    # shards: ready in their status and in the tenant's, routed through the tenant's settings
    for shard in ("birdhouse-feed-0", "birdhouse-feed-1"):
        wait_ready(cluster, namespace, "FeedShard", shard)
    cluster.wait_for(
        "shards listed ready in the tenant",
        lambda: (
            [s["ready"] for s in tenant(cluster, namespace, "birdhouse")["status"]["shards"]] == [True, True]
        ),
    )
    data = cluster.get("v1", "ConfigMap", "birdhouse-config", namespace)["data"]
    listed = [item.split(";")[:2] for item in data["ROOKERY_FEED_SHARDS"].split(",")]
    assert listed == [
        ["birdhouse-feed-0=0-2147483648", "table=home_timeline_birdhouse_feed_0"],
        ["birdhouse-feed-1=2147483648-4294967296", "table=home_timeline_birdhouse_feed_1"],
    ]

    # models: the InferenceService exists; KServe (absent here) would set its status, so the test does
    isvc = cluster.get("serving.kserve.io/v1beta1", "InferenceService", "birdhouse-ranking", namespace)
    assert isvc["spec"]["predictor"]["canaryTrafficPercent"] == 10
    assert isvc["spec"]["predictor"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    model = cluster.get(GROUP_VERSION, "ModelDeployment", "birdhouse-moderation", namespace)
    assert condition(model, "Ready")["status"] == "False"
    url = f"http://birdhouse-moderation.{namespace}.example.org"
    cluster.patch_status(
        "serving.kserve.io/v1beta1", "InferenceService", "birdhouse-moderation", namespace,
        {"url": url, "conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}]},
    )  # fmt: skip
    mirrored = wait_ready(cluster, namespace, "ModelDeployment", "birdhouse-moderation")
    assert mirrored["status"]["url"] == url and mirrored["status"]["ready"] is True
    cluster.wait_for(
        "the model endpoint in the tenant's ConfigMap",
        lambda: (
            cluster.get("v1", "ConfigMap", "birdhouse-config", namespace)["data"].get(
                "ROOKERY_MODEL_ENDPOINT_MODERATION"
            )
            == url
        ),
    )
    assert {"Applied", "Ready"} <= set(events(cluster, namespace, "birdhouse"))


# -- updates ----------------------------------------------------------------------------------------


async def test_update_propagates_rolls_pods_and_refuses_fewer_partitions(
    cluster: Cluster, namespace: str, kube_env: dict[str, str]
) -> None:
    name = unique("upd")
    cluster.create(small_tenant(name), namespace=namespace)
    wait_provisioned(cluster, namespace, name)
    platform = f"{name}-platform"
    before = cluster.get("apps/v1", "Deployment", platform, namespace)
    old_hash = before["spec"]["template"]["metadata"]["annotations"][HASH]

    cluster.patch(GROUP_VERSION, "SocialTenant", name, namespace, {"spec": {
        "workloads": {"replicas": 3}, "kafka": {"partitions": 4}, "settings": {"INSTANCE_TITLE": "Updated"},
    }})  # fmt: skip
    body = wait_ready(cluster, namespace, "SocialTenant", name)
    dep = cluster.get("apps/v1", "Deployment", platform, namespace)
    new_hash = dep["spec"]["template"]["metadata"]["annotations"][HASH]
    assert dep["spec"]["replicas"] == 3
    assert new_hash != old_hash and new_hash == body["status"]["configHash"]
    assert (
        cluster.get("v1", "ConfigMap", f"{name}-config", namespace)["data"]["ROOKERY_INSTANCE_TITLE"]
        == "Updated"
    )
    # the pods rolled: every running pod carries the new hash and is Ready
    selector = f"app.kubernetes.io/instance={name},app.kubernetes.io/component=platform"

    def rolled() -> list[dict[str, Any]]:
        pods = pods_ready(cluster, namespace, selector)
        return (
            pods
            if len(pods) == 3 and all(p["metadata"]["annotations"].get(HASH) == new_hash for p in pods)
            else []
        )

    pods = cluster.wait_for("three rolled pods ready", rolled)
    assert all(p["metadata"]["annotations"][HASH] == new_hash for p in pods)
    topics = await kafka_topics(kube_env["ROOKERY_KAFKA_BOOTSTRAP"], f"{name}.")
    assert {t["partitions"] for t in topics.values()} == {4}

    cluster.patch(GROUP_VERSION, "SocialTenant", name, namespace, {"spec": {"kafka": {"partitions": 2}}})
    generation = cluster.get(GROUP_VERSION, "SocialTenant", name, namespace)["metadata"]["generation"]

    def refused() -> dict[str, Any] | None:
        obj = tenant(cluster, namespace, name)
        kafka = condition(obj, "KafkaReady")
        return (
            obj if kafka.get("observedGeneration") == generation and kafka.get("status") == "False" else None
        )

    body = cluster.wait_for("the partition decrease refused", refused)
    kafka = condition(body, "KafkaReady")
    assert kafka["reason"] == "PartitionDecreaseRefused"
    assert "cannot remove partitions" in kafka["message"] and "asked for 2" in kafka["message"]
    assert condition(body, "Ready")["status"] == "False"
    assert condition(body, "Degraded")["status"] == "True"
    assert body["status"]["phase"] == "Degraded"
    topics = await kafka_topics(kube_env["ROOKERY_KAFKA_BOOTSTRAP"], f"{name}.")
    assert {t["partitions"] for t in topics.values()} == {4}
    assert "PartitionDecreaseRefused" in events(cluster, namespace, name)


def test_canary_percent_propagates_to_the_inference_service(cluster: Cluster, namespace: str) -> None:
    name = unique("can")
    cluster.create(small_tenant(name), namespace=namespace)
    model = {
        "apiVersion": GROUP_VERSION, "kind": "ModelDeployment", "metadata": {"name": f"{name}-rank"},
        "spec": {"tenantRef": {"name": name}, "task": "ranking", "modelFormat": {"name": "sklearn"},
                 "storageUri": "s3://models/ranking/v1", "canaryTrafficPercent": 10},
    }  # fmt: skip
    cluster.create(model, namespace=namespace)

    def canary() -> int | None:
        isvc = cluster.get("serving.kserve.io/v1beta1", "InferenceService", f"{name}-rank", namespace)
        return isvc and isvc["spec"]["predictor"].get("canaryTrafficPercent")

    assert cluster.wait_for("the InferenceService", canary) == 10
    cluster.patch(
        GROUP_VERSION, "ModelDeployment", f"{name}-rank", namespace, {"spec": {"canaryTrafficPercent": 30}}
    )
    cluster.wait_for("canary 30", lambda: canary() == 30)
    cluster.patch_status(
        "serving.kserve.io/v1beta1", "InferenceService", f"{name}-rank", namespace,
        {"url": "http://rank.example", "conditions": [{"type": "Ready", "status": "True"}],
         "components": {"predictor": {"traffic": [{"percent": 30, "latestRevision": True}]}}},
    )  # fmt: skip
    body = wait_ready(cluster, namespace, "ModelDeployment", f"{name}-rank")
    assert body["status"]["canaryTrafficPercent"] == 30
    assert body["metadata"]["ownerReferences"][0]["name"] == name  # attached to its tenant


# -- validation -------------------------------------------------------------------------------------


AUTOSCALING = {"enabled": True, "minReplicas": 5, "maxReplicas": 2}
BOTH_IMAGE_AND_FORMAT = {
    "tenantRef": {"name": "t"},
    "task": "ranking",
    "image": "i",
    "modelFormat": {"name": "sklearn"},
    "storageUri": "s3://m",
}
INVALID = [
    ("SocialTenant", {"roles": {"posts": {"replicas": 2}}}, "only apply with topology: split"),
    ("SocialTenant", {"cassandra": {"replication": {"strategy": "SimpleStrategy"}}}, "SimpleStrategy needs"),
    ("SocialTenant", {"settings": {"log-level": "x"}}, "spec.settings keys are ROOKERY_* setting names"),
    ("SocialTenant", {"workloads": {"autoscaling": AUTOSCALING}}, "autoscaling.minReplicas must not exceed"),
    (
        "FeedShard",
        {"tenantRef": {"name": "t"}, "hashRange": {"start": 10, "end": 10}},
        "hashRange.start must be",
    ),
    ("ModelDeployment", BOTH_IMAGE_AND_FORMAT, "set either image"),
]


@pytest.mark.parametrize(("kind", "spec", "message"), INVALID)
def test_invalid_spec_is_rejected_with_the_cel_message(
    cluster: Cluster, namespace: str, kind: str, spec: dict[str, Any], message: str
) -> None:
    if kind == "SocialTenant":
        body = small_tenant("bad")
        body["spec"].update(spec)
    else:
        body = {"apiVersion": GROUP_VERSION, "kind": kind, "metadata": {"name": "bad"}, "spec": spec}
    with pytest.raises(ApiException) as err:
        cluster.create(body, namespace=namespace)
    assert err.value.status == 422
    assert message in err.value.body


def test_immutable_tenant_ref(cluster: Cluster, namespace: str) -> None:
    shard = {"apiVersion": GROUP_VERSION, "kind": "FeedShard", "metadata": {"name": "s"},
             "spec": {"tenantRef": {"name": "a"}, "hashRange": {"start": 0, "end": 10}}}  # fmt: skip
    cluster.create(shard, namespace=namespace)
    with pytest.raises(ApiException) as err:
        cluster.patch(GROUP_VERSION, "FeedShard", "s", namespace, {"spec": {"tenantRef": {"name": "b"}}})
    assert err.value.status == 422 and "spec.tenantRef is immutable" in err.value.body


# -- steady state and drift -------------------------------------------------------------------------


def _reconciles(operator: dict[str, Any]) -> float:
    text = httpx.get(operator["metrics"], timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(
            'rookery_operator_reconcile_duration_seconds_count{kind="SocialTenant",mode="full"}'
        ):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_reconcile_with_nothing_changed_writes_nothing(
    cluster: Cluster, namespace: str, operator: dict[str, Any]
) -> None:
    name = unique("idle")
    cluster.create(small_tenant(name), namespace=namespace)
    wait_ready(cluster, namespace, "SocialTenant", name)
    time.sleep(2)  # let the last readiness events settle
    before = children(cluster, namespace, name)
    tenant_rv = tenant(cluster, namespace, name)["metadata"]["resourceVersion"]
    runs = _reconciles(operator)
    cluster.wait_for("two resyncs", lambda: _reconciles(operator) >= runs + 2, timeout=RESYNC_S * 10)
    assert children(cluster, namespace, name) == before
    assert tenant(cluster, namespace, name)["metadata"]["resourceVersion"] == tenant_rv


def test_drift_is_corrected(cluster: Cluster, namespace: str) -> None:
    name = unique("drift")
    cluster.create(small_tenant(name), namespace=namespace)
    wait_provisioned(cluster, namespace, name)
    dep = cluster.get("apps/v1", "Deployment", f"{name}-platform", namespace)
    cluster.delete("apps/v1", "Deployment", f"{name}-platform", namespace)
    cluster.delete("v1", "Service", f"{name}-platform", namespace)
    cluster.patch("v1", "ConfigMap", f"{name}-config", namespace, {"data": {"ROOKERY_FANOUT_THRESHOLD": "1"}})

    def restored() -> bool:
        new = cluster.get("apps/v1", "Deployment", f"{name}-platform", namespace)
        cm = cluster.get("v1", "ConfigMap", f"{name}-config", namespace)
        svc = cluster.get("v1", "Service", f"{name}-platform", namespace)
        return bool(
            new and new["metadata"]["uid"] != dep["metadata"]["uid"] and svc
            and cm["data"]["ROOKERY_FANOUT_THRESHOLD"] == "1000"
        )  # fmt: skip

    cluster.wait_for("the Deployment, Service and ConfigMap restored", restored, timeout=RESYNC_S * 10)


# -- deletion ---------------------------------------------------------------------------------------


async def test_delete_follows_retention_policy(
    cluster: Cluster, namespace: str, kube_env: dict[str, str], cql: Any
) -> None:
    bootstrap = kube_env["ROOKERY_KAFKA_BOOTSTRAP"]
    dropped, kept = unique("del"), unique("ret")
    cluster.create(small_tenant(dropped), namespace=namespace)
    cluster.create(small_tenant(kept, retentionPolicy="Retain"), namespace=namespace)
    shard = {
        "apiVersion": GROUP_VERSION,
        "kind": "FeedShard",
        "metadata": {"name": f"{dropped}-s0"},
        "spec": {"tenantRef": {"name": dropped}, "hashRange": {"start": 0, "end": 4294967296}},
    }
    cluster.create(shard, namespace=namespace)
    for name in (dropped, kept):
        wait_provisioned(cluster, namespace, name)
    cluster.wait_for(
        "the shard's topic and table",
        lambda: (
            condition(
                cluster.get(GROUP_VERSION, "FeedShard", f"{dropped}-s0", namespace), "CassandraReady"
            ).get("status")
            == "True"
        ),
    )
    assert len(await kafka_topics(bootstrap, f"{dropped}.")) == 10  # 9 streams and the shard's fan-out topic

    for name in (dropped, kept):
        cluster.delete(GROUP_VERSION, "SocialTenant", name, namespace)
    for name in (dropped, kept):
        cluster.wait_for(f"{name} gone", lambda n=name: tenant(cluster, namespace, n) is None, timeout=60)
    assert await kafka_topics(bootstrap, f"{dropped}.") == {}
    assert replication(cql, dropped) is None
    assert len(await kafka_topics(bootstrap, f"{kept}.")) == 9
    assert replication(cql, kept) is not None
    # children and the attached shard are garbage-collected through owner references
    cluster.wait_for("children collected", lambda: not children(cluster, namespace, dropped), timeout=60)
    cluster.wait_for(
        "shard collected", lambda: cluster.get(GROUP_VERSION, "FeedShard", f"{dropped}-s0", namespace) is None
    )

    # the keys Secret follows the same policy: gone with the dropped tenant, kept with the other
    cluster.wait_for(
        "keys Secret collected", lambda: cluster.get("v1", "Secret", f"{dropped}-keys", namespace) is None, timeout=60
    )
    assert cluster.get("v1", "Secret", f"{kept}-keys", namespace) is not None

    await delete_kafka_topics(bootstrap, f"{kept}.")
    cql.execute(f'DROP KEYSPACE IF EXISTS "{kept}"', timeout=120)
    cluster.delete("v1", "Secret", f"{kept}-keys", namespace)


# -- keys and pods ----------------------------------------------------------------------------------


def test_keys_secret_is_created_once_read_by_every_pod_and_never_overwritten(
    cluster: Cluster, namespace: str, operator: dict[str, Any]
) -> None:
    name = unique("keys")
    cluster.create(small_tenant(name), namespace=namespace)

    def owned() -> dict[str, Any] | None:  # created first, its owner reference applied right after
        secret = cluster.get("v1", "Secret", f"{name}-keys", namespace)
        return secret if secret and secret["metadata"].get("ownerReferences") else None

    secret = cluster.wait_for("the keys Secret and its owner", owned)
    assert {"signing-keys", "vapid-private-key"} <= set(secret["data"])  # (and split's internal-token)
    [owner] = secret["metadata"]["ownerReferences"]  # retentionPolicy Delete: it goes with the tenant
    assert (owner["kind"], owner["name"]) == ("SocialTenant", name)
    wait_provisioned(cluster, namespace, name)
    for dep in cluster.list("apps/v1", "Deployment", namespace, f"rookery.dev/tenant={name}"):
        env = {e["name"]: e for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
        for variable, key in (
            ("ROOKERY_SIGNING_KEYS", "signing-keys"),
            ("ROOKERY_VAPID_PRIVATE_KEY", "vapid-private-key"),
        ):
            assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": f"{name}-keys", "key": key}
    # a person rotates a key (or brings their own): the operator never writes the data again
    rotated = {"signing-keys": base64.b64encode(b"rotated by a person").decode()}
    cluster.patch("v1", "Secret", f"{name}-keys", namespace, {"data": rotated})
    runs = _reconciles(operator)
    cluster.wait_for("a resync", lambda: _reconciles(operator) >= runs + 1, timeout=RESYNC_S * 10)
    after = cluster.get("v1", "Secret", f"{name}-keys", namespace)
    assert after["data"]["signing-keys"] == rotated["signing-keys"]
    assert after["data"]["vapid-private-key"] == secret["data"]["vapid-private-key"]
    # retentionPolicy Retain: the owner reference goes, so the Secret outlives the tenant
    cluster.patch(GROUP_VERSION, "SocialTenant", name, namespace, {"spec": {"retentionPolicy": "Retain"}})
    cluster.wait_for(
        "the owner reference removed",
        lambda: not (cluster.get("v1", "Secret", f"{name}-keys", namespace)["metadata"].get("ownerReferences")),
    )
    cluster.patch(GROUP_VERSION, "SocialTenant", name, namespace, {"spec": {"retentionPolicy": "Delete"}})
    cluster.wait_for(
        "the owner reference back",
        lambda: cluster.get("v1", "Secret", f"{name}-keys", namespace)["metadata"].get("ownerReferences"),
    )
    cluster.delete(GROUP_VERSION, "SocialTenant", name, namespace)


def test_a_pod_that_cannot_start_makes_the_tenant_degraded(cluster: Cluster, namespace: str) -> None:
    """kwok runs no container, so the kubelet's verdict is written by hand on an unschedulable pod
    carrying the tenant's labels: the operator's pod watch must turn it into Degraded."""
    name = unique("crash")
    cluster.create(small_tenant(name), namespace=namespace)
    wait_provisioned(cluster, namespace, name)
    labels = {"rookery.dev/tenant": name, "app.kubernetes.io/managed-by": "rookery-operator"}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{name}-platform-broken", "labels": labels},
        "spec": {
            "nodeSelector": {"rookery.dev/no-such-node": "true"},  # never scheduled: kwok leaves it alone
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                {
                    "name": "rookery",
                    "image": "localhost/rookery:missing",
                    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                }
            ],
        },
    }
    cluster.create(pod, namespace=namespace)
    waiting = {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "localhost/rookery:missing"'}
    status = {
        "containerStatuses": [
            {"name": "rookery", "image": "localhost/rookery:missing", "imageID": "", "ready": False,
             "restartCount": 0, "state": {"waiting": waiting}}
        ]
    }  # fmt: skip
    cluster.patch_status("v1", "Pod", f"{name}-platform-broken", namespace, status)

    def degraded() -> dict[str, Any] | None:
        cond = condition(tenant(cluster, namespace, name), "Degraded")
        return cond if cond.get("status") == "True" else None

    cond = cluster.wait_for("Degraded", degraded, timeout=60)
    assert cond["reason"] == "ImagePullBackOff"
    assert f"{name}-platform-broken" in cond["message"]
    assert tenant(cluster, namespace, name)["status"]["phase"] == "Degraded"
    cluster.delete("v1", "Pod", f"{name}-platform-broken", namespace)
    cluster.wait_for(
        "recovered", lambda: condition(tenant(cluster, namespace, name), "Degraded").get("status") == "False"
    )
    cluster.delete(GROUP_VERSION, "SocialTenant", name, namespace)


def test_metrics_report_reconciles_per_kind(
    operator: dict[str, Any], cluster: Cluster, namespace: str
) -> None:
    name = unique("met")
    cluster.create(small_tenant(name), namespace=namespace)
    wait_provisioned(cluster, namespace, name)
    text = httpx.get(operator["metrics"], timeout=5).text
    assert 'rookery_operator_reconcile_duration_seconds_bucket{kind="SocialTenant"' in text
    assert "rookery_operator_reconcile_errors_total" in text or "rookery_operator_reconcile_errors" in text


def test_peering_registers_the_operator_for_leader_election(
    cluster: Cluster,
    operator_kubeconfig: pathlib.Path,
    operator: dict[str, Any],
    tmp_path: pathlib.Path,
    peering_crds: None,
) -> None:
    """With operator/deploy/peering.yaml installed, `rookery operator --peering` (the ServiceAccount's
    rights only) announces itself in the ClusterKopfPeering, where replicas elect the active one."""
    docs = yaml.safe_load_all((ROOT / "operator" / "deploy" / "peering.yaml").read_text())
    peering = next(d for d in docs if d["kind"] == "ClusterKopfPeering")
    cluster.apply(peering)
    log = tmp_path / "peer.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rookery.workloads.cli", "operator", "--peering", "rookery-operator",
             "--priority", "7", "--metrics-port", "0", "--liveness", ""],
            env={**os.environ, "KUBECONFIG": str(operator_kubeconfig)}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:

        def announced() -> list[Any]:
            assert proc.poll() is None, log.read_text()[-3000:]
            obj = cluster.get("kopf.dev/v1", "ClusterKopfPeering", "rookery-operator") or {}
            return [
                p
                for p in (obj.get("status") or {}).values()
                if isinstance(p, dict) and p.get("priority") == 7
            ]

        cluster.wait_for("the operator in the ClusterKopfPeering", announced, timeout=60)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Forbidden" not in log.read_text()
