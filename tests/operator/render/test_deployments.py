"""render/deployments.py: one Deployment per serving component and worker; a FeedShard's fan-out."""

from __future__ import annotations

from render_support import by_name, monolith, shard, tenant

from rookery.operator.models import ROLES
from rookery.operator.render.common import Shard
from rookery.operator.render.deployments import shard_deployment, tenant_deployments
from rookery.operator.render.services import tenant_services


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


def test_shard_renders_its_fanout_worker() -> None:
    dep = shard_deployment(shard())
    assert dep["metadata"]["name"] == "birdhouse-feed-1-fanout"
    assert dep["metadata"]["ownerReferences"][0]["kind"] == "FeedShard"
    container = dep["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert container["args"] == ["worker", "fanout"]
    assert env["ROOKERY_FEED_SHARD_RANGE"] == "2147483648-4294967296"
    assert env["ROOKERY_FANOUT_CONSUMER_GROUP"] == "birdhouse.fanout.birdhouse-feed-1"
    assert env["ROOKERY_REDIS_KEY_PREFIX"] == "birdhouse:feed:birdhouse-feed-1:"


def test_shard_deployment_selects_only_its_own_pods_and_rolls_with_the_tenant_config() -> None:
    dep = shard_deployment(shard())
    assert dep["spec"]["replicas"] == 2
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["rookery.dev/feed-shard"] == "birdhouse-feed-1"
    assert dep["metadata"]["labels"]["rookery.dev/feed-shard"] == "birdhouse-feed-1"
    assert dep["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    original = shard()
    changed = Shard(original.owner, original.spec, tenant(settings={"INSTANCE_TITLE": "Nest"}))
    annotation = "rookery.dev/config-hash"
    assert (
        shard_deployment(changed)["spec"]["template"]["metadata"]["annotations"][annotation]
        != dep["spec"]["template"]["metadata"]["annotations"][annotation]
    )
