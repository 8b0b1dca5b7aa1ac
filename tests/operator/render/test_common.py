"""render/common.py: the tenant as renderers see it, its components, names, labels, owners."""

from __future__ import annotations

from render_support import monolith, shard, tenant

from rookery.operator.models import ROLES, WORKERS, Workload, WorkloadOverride
from rookery.operator.render.common import (
    components,
    content_hash,
    labels,
    metadata,
    public_component,
    resolve,
)


def test_components_serving_first_then_the_workers() -> None:
    comps = components(tenant())
    names = [c.name for c in comps]
    assert names[: len(ROLES)] == [f"birdhouse-{role}" for role in ROLES]
    assert names[len(ROLES) :] == [f"birdhouse-worker-{w}" for w in WORKERS]
    assert all(c.serving for c in comps[: len(ROLES)]) and not any(c.serving for c in comps[len(ROLES) :])
    (platform, *workers) = components(monolith())
    assert (platform.name, platform.args, platform.serving) == ("tiny-platform", ("serve", "--role", "all"), True)
    assert [w.args for w in workers] == [("worker", w) for w in WORKERS]


def test_worker_overrides_apply_on_one_replica_and_the_tenant_resources() -> None:
    comps = {c.name: c for c in components(tenant())}
    assert comps["birdhouse-worker-outbox-relay"].workload.replicas == 2  # spec.workers override
    notify = comps["birdhouse-worker-notify"].workload
    assert notify.replicas == 1
    assert notify.resources == tenant().spec.workloads.resources


def test_resolve_takes_each_field_the_override_sets() -> None:
    base = Workload(replicas=3)
    assert resolve(base, None) is base
    assert resolve(base, WorkloadOverride()).replicas == 3
    assert resolve(base, WorkloadOverride(replicas=0)).replicas == 0  # zero is a value, not unset


def test_names_labels_and_owner_references() -> None:
    assert public_component(tenant()) == "birdhouse-gateway"
    assert public_component(monolith()) == "tiny-platform"
    assert labels("t") == {
        "app.kubernetes.io/name": "rookery",
        "app.kubernetes.io/instance": "t",
        "rookery.dev/tenant": "t",
        "app.kubernetes.io/managed-by": "rookery-operator",
    }
    assert labels("t", "posts")["app.kubernetes.io/component"] == "posts"
    meta = metadata(tenant().owner, "x", "birdhouse")
    assert meta["namespace"] == "social"
    (ref,) = meta["ownerReferences"]
    assert (ref["kind"], ref["name"], ref["controller"], ref["blockOwnerDeletion"]) == (
        "SocialTenant",
        "birdhouse",
        True,
        True,
    )


def test_shard_names_and_content_hash() -> None:
    s = shard()
    assert (s.topic, s.consumer_group, s.table) == (
        "birdhouse.fanout.birdhouse-feed-1",
        "birdhouse.fanout.birdhouse-feed-1",
        "home_timeline_birdhouse_feed_1",
    )
    assert tenant().keyspace == "birdhouse" and tenant().endpoint == "https://birdhouse.example.org"
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})  # key order does not matter
    assert content_hash({"a": 1}) != content_hash({"a": 2})
