"""Renderers are pure: a custom resource in, manifests / topics / CQL out. No cluster here."""

from __future__ import annotations

import pathlib
from typing import Any

import yaml

from rookery.operator.models import ROLES, FeedShardSpec, ModelDeploymentSpec, SocialTenantSpec
from rookery.operator.render.children import TENANT_CHILD_KINDS, tenant_children
from rookery.operator.render.common import CONFIG_HASH_ANNOTATION, Model, Owner, Shard, ShardInfo, Tenant
from rookery.operator.render.configmaps import config_hash, tenant_config_map
from rookery.operator.render.deployments import shard_deployment, tenant_deployments
from rookery.operator.render.hpa import tenant_autoscalers
from rookery.operator.render.inferenceservices import inference_service, mirror_status
from rookery.operator.render.ingress import tenant_ingresses
from rookery.operator.render.jobs import migration_job_name, tenant_jobs
from rookery.operator.render.keyspaces import (
    create_keyspace_cql,
    create_table_cql,
    shard_table,
    tenant_keyspace,
)
from rookery.operator.render.networkpolicies import tenant_network_policies
from rookery.operator.render.pdb import tenant_disruption_budgets
from rookery.operator.render.services import tenant_services
from rookery.operator.render.topics import shard_topics, tenant_topics

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "crds" / "examples"


def _example(file: str, index: int = 0) -> dict[str, Any]:
    return list(yaml.safe_load_all((EXAMPLES / file).read_text()))[index]


def tenant(**changes: Any) -> Tenant:
    spec = _example("tenant.yaml")["spec"] | changes
    return Tenant(
        Owner("SocialTenant", "birdhouse", "social", "uid-1"), SocialTenantSpec.model_validate(spec)
    )


def monolith() -> Tenant:
    spec = SocialTenantSpec(image="rookery:1", host="tiny.example.org")
    return Tenant(Owner("SocialTenant", "tiny", "default", "uid-2"), spec)


def by_name(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs}


def test_split_topology_has_a_deployment_per_role_and_worker() -> None:
    deps = by_name(tenant_deployments(tenant()))
    for role in ROLES:
        args = deps[f"birdhouse-{role}"]["spec"]["template"]["spec"]["containers"][0]["args"]
        assert args == ["serve", "--role", role]
    assert deps["birdhouse-worker-outbox-relay"]["spec"]["replicas"] == 2
    assert deps["birdhouse-worker-notify"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "worker",
        "notify",
    ]
    assert deps["birdhouse-analytics"]["spec"]["replicas"] == 1  # role override
    assert deps["birdhouse-posts"]["spec"]["replicas"] == 2  # tenant default
    assert "replicas" not in deps["birdhouse-gateway"]["spec"]  # the HPA owns it


def test_monolith_runs_every_role_in_one_deployment() -> None:
    deps = by_name(tenant_deployments(monolith()))
    assert deps["tiny-platform"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "serve",
        "--role",
        "all",
    ]
    assert not any(name.startswith("tiny-gateway") for name in deps)
    assert [s["metadata"]["name"] for s in tenant_services(monolith())] == ["tiny-platform"]


def test_moderation_worker_follows_the_feature_flag() -> None:
    t = tenant()
    off = tenant(features={**t.spec.features.model_dump(), "moderation": False})
    assert "birdhouse-worker-moderation" in by_name(tenant_deployments(t))
    assert "birdhouse-worker-moderation" not in by_name(tenant_deployments(off))


def test_pods_are_restricted_probed_and_limited() -> None:
    dep = by_name(tenant_deployments(tenant()))["birdhouse-gateway"]
    pod = dep["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "2", "memory": "512Mi"},
    }
    assert dep["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert dep["metadata"]["ownerReferences"][0]["controller"] is True


def test_secrets_are_referenced_never_copied() -> None:
    t = tenant()
    container = by_name(tenant_deployments(t))["birdhouse-posts"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["ROOKERY_POSTGRES_DSN"]["valueFrom"]["secretKeyRef"] == {
        "name": "rookery-datastores",
        "key": "postgres-dsn",
    }
    assert env["ROOKERY_KAFKA_BOOTSTRAP"]["valueFrom"]["secretKeyRef"]["key"] == "kafka-bootstrap"
    assert all("value" not in e for e in container["env"])
    data = tenant_config_map(t)["data"]
    assert not any(k in data for k in env)
    assert container["envFrom"] == [{"configMapRef": {"name": "birdhouse-config"}}]


def test_config_map_carries_settings_shards_and_models() -> None:
    t = Tenant(
        tenant().owner,
        tenant().spec,
        shards=(ShardInfo("birdhouse-feed-0", 0, 2**31),),
        model_endpoints={"ROOKERY_MODEL_ENDPOINT_MODERATION": "http://mod.social.svc"},
    )
    data = tenant_config_map(t)["data"]
    assert data["ROOKERY_TENANT"] == "birdhouse"
    assert data["ROOKERY_PUBLIC_URL"] == "https://birdhouse.example.org"
    assert data["ROOKERY_CASSANDRA_KEYSPACE"] == "birdhouse"
    assert data["ROOKERY_FANOUT_THRESHOLD"] == "1000"
    assert data["ROOKERY_RATE_LIMIT_AUTHENTICATION"] == "20"
    assert data["ROOKERY_INSTANCE_TITLE"] == "Birdhouse"
    assert data["ROOKERY_ROLE_URL_POSTS"] == "http://birdhouse-posts.social.svc:8080"
    assert data["ROOKERY_FEED_SHARDS"] == "birdhouse-feed-0=0-2147483648"
    assert data["ROOKERY_MODEL_ENDPOINT_MODERATION"] == "http://mod.social.svc"


def test_a_config_change_changes_the_pod_template_hash() -> None:
    before, after = tenant(), tenant(settings={"INSTANCE_TITLE": "Nest"})
    assert config_hash(before) != config_hash(after)
    hashes = {
        d["spec"]["template"]["metadata"]["annotations"][CONFIG_HASH_ANNOTATION]
        for d in tenant_deployments(after)
    }
    assert hashes == {config_hash(after)}
    assert config_hash(tenant()) == config_hash(before)  # deterministic


def test_autoscaler_and_disruption_budgets() -> None:
    hpas = by_name(tenant_autoscalers(tenant()))
    assert list(hpas) == ["birdhouse-gateway"]
    spec = hpas["birdhouse-gateway"]["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 10)
    assert spec["metrics"][0]["resource"]["target"]["averageUtilization"] == 65
    pdbs = by_name(tenant_disruption_budgets(tenant()))
    assert "birdhouse-gateway" in pdbs and "birdhouse-posts" in pdbs
    assert "birdhouse-analytics" not in pdbs  # one replica: a budget would block drains
    assert not any("worker" in name for name in pdbs)
    assert tenant_disruption_budgets(monolith()) == []


def test_network_policies_deny_by_default_and_open_the_needed_paths() -> None:
    pols = by_name(tenant_network_policies(tenant()))
    deny = pols["birdhouse-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
    public = pols["birdhouse-allow-public"]["spec"]
    assert public["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "gateway"
    egress_ports = {
        p["port"] for rule in pols["birdhouse-allow-egress"]["spec"]["egress"] for p in rule["ports"]
    }
    assert {53, 5432, 6379, 9092, 9042, 9200} <= egress_ports


def test_ingress_publishes_the_gateway_with_tls() -> None:
    (ing,) = tenant_ingresses(tenant())
    rule = ing["spec"]["rules"][0]
    assert rule["host"] == "birdhouse.example.org"
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "birdhouse-gateway"
    assert ing["spec"]["tls"] == [{"hosts": ["birdhouse.example.org"], "secretName": "birdhouse-tls"}]
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert ing["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}


def test_migration_job_is_per_image() -> None:
    (job,) = tenant_jobs(tenant())
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert migration_job_name(tenant(image="rookery:2")) != job["metadata"]["name"]
    assert migration_job_name(tenant(settings={"X": "1"})) == job["metadata"]["name"]


def test_topics_follow_defaults_and_overrides() -> None:
    topics = {t.name: t for t in tenant_topics(tenant())}
    assert set(topics) == {
        f"birdhouse.{s}"
        for s in (
            "posts",
            "interactions",
            "graph",
            "messages",
            "notifications",
            "media",
            "analytics",
            "moderation",
            "dead-letter",
        )
    }
    assert topics["birdhouse.posts"].partitions == 6
    assert topics["birdhouse.posts"].replication_factor == 1
    assert topics["birdhouse.posts"].configs == {
        "retention.ms": str(168 * 3600_000),
        "cleanup.policy": "delete",
    }
    assert topics["birdhouse.dead-letter"].partitions == 1
    assert topics["birdhouse.dead-letter"].configs["retention.ms"] == str(720 * 3600_000)
    assert topics["birdhouse.analytics"].configs["retention.ms"] == str(24 * 3600_000)


def test_keyspace_replication_and_cql() -> None:
    ks = tenant_keyspace(tenant())
    assert ks.replication == {
        "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
        "datacenter1": "1",
    }
    assert create_keyspace_cql(ks) == (
        'CREATE KEYSPACE IF NOT EXISTS "birdhouse" WITH replication = '
        "{'class': 'org.apache.cassandra.locator.NetworkTopologyStrategy', 'datacenter1': '1'} "
        "AND durable_writes = true"
    )
    simple = tenant(cassandra={"replication": {"strategy": "SimpleStrategy", "replicationFactor": 2}})
    assert tenant_keyspace(simple).replication["replication_factor"] == "2"
    assert tenant_keyspace(monolith()).name == "tiny"


def _shard() -> Shard:
    doc = _example("feedshards.yaml", 1)
    return Shard(
        Owner("FeedShard", doc["metadata"]["name"], "social", "uid-s"),
        FeedShardSpec.model_validate(doc["spec"]),
        tenant(),
    )


def test_shard_renders_worker_topic_and_table() -> None:
    shard = _shard()
    dep = shard_deployment(shard)
    assert dep["metadata"]["name"] == "birdhouse-feed-1-fanout"
    assert dep["metadata"]["ownerReferences"][0]["kind"] == "FeedShard"
    container = dep["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert container["args"] == ["worker", "fanout"]
    assert env["ROOKERY_FEED_SHARD_RANGE"] == "2147483648-4294967296"
    assert env["ROOKERY_FANOUT_CONSUMER_GROUP"] == "birdhouse.fanout.birdhouse-feed-1"
    assert env["ROOKERY_REDIS_KEY_PREFIX"] == "birdhouse:feed:birdhouse-feed-1:"
    (topic,) = shard_topics(shard)
    assert (topic.name, topic.partitions) == ("birdhouse.fanout.birdhouse-feed-1", 3)
    table = shard_table(shard)
    assert (table.keyspace, table.name, table.default_ttl) == (
        "birdhouse",
        "home_timeline_birdhouse_feed_1",
        30 * 86400,
    )
    assert "PRIMARY KEY ((user_id, bucket), status_id)" in create_table_cql(table)


def _model(index: int) -> Model:
    doc = _example("models.yaml", index)
    return Model(
        Owner("ModelDeployment", doc["metadata"]["name"], "social", "uid-m"),
        ModelDeploymentSpec.model_validate(doc["spec"]),
    )


def test_inference_service_for_a_runtime_model() -> None:
    isvc = inference_service(_model(0))
    predictor = isvc["spec"]["predictor"]
    assert isvc["apiVersion"] == "serving.kserve.io/v1beta1"
    assert predictor["model"]["modelFormat"] == {"name": "sklearn", "version": "1"}
    assert predictor["model"]["storageUri"] == "s3://rookery-models/moderation/v3"
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (1, 4)
    assert "canaryTrafficPercent" not in predictor


def test_inference_service_for_a_custom_image_with_gpu_and_canary() -> None:
    predictor = inference_service(_model(1))["spec"]["predictor"]
    (container,) = predictor["containers"]
    assert container["image"] == "ghcr.io/rookery-social/rookery:0.1.0"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert "nvidia.com/gpu" not in container["resources"]["requests"]
    assert {"name": "STORAGE_URI", "value": "s3://rookery-models/ranking/v7"} in container["env"]
    assert predictor["canaryTrafficPercent"] == 10


def test_mirror_status_reads_what_kserve_writes() -> None:
    isvc = {
        "status": {
            "url": "http://birdhouse-ranking.social.example.org",
            "address": {"url": "http://birdhouse-ranking.social.svc.cluster.local"},
            "conditions": [{"type": "Ready", "status": "True"}],
            "components": {
                "predictor": {"traffic": [{"percent": 10, "latestRevision": True}, {"percent": 90}]}
            },
        }
    }
    mirrored = mirror_status(isvc)
    assert mirrored["ready"] is True and mirrored["canaryTrafficPercent"] == 10
    assert mirrored["url"] == "http://birdhouse-ranking.social.example.org"
    assert mirror_status(None)["ready"] is False


def test_every_child_is_owned_labelled_and_of_a_pruned_kind() -> None:
    kinds = set(TENANT_CHILD_KINDS)
    for obj in tenant_children(tenant()):
        assert (obj["apiVersion"], obj["kind"]) in kinds
        assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "rookery-operator"
        assert obj["metadata"]["labels"]["rookery.dev/tenant"] == "birdhouse"
        assert obj["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
        assert obj["metadata"]["namespace"] == "social"
    assert tenant_children(tenant()) == tenant_children(tenant())


def test_model_endpoint_variables_match_the_workloads_model_names() -> None:
    from rookery.operator.models import model_endpoint_variable

    assert model_endpoint_variable("embedding") == "ROOKERY_MODEL_ENDPOINT_EMBEDDINGS"
    assert model_endpoint_variable("moderation") == "ROOKERY_MODEL_ENDPOINT_MODERATION"
