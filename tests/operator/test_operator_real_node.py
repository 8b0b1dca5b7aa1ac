"""A tenant whose containers cannot start, on the real node: the kubelet's own waiting reasons (not
a status written by hand, as test_operator_cluster does on kwok) make the tenant Degraded, naming
the reason and the pod."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from operator_harness import GROUP_VERSION, Cluster, condition, create_datastores_namespace, small_tenant

from e2e.stack.node_config import NODE_LABEL
from rookery.workloads.catalogue import DEPLOYED_WORKERS

pytestmark = pytest.mark.needs("kube", "node", "kafka", "cassandra")

REAL_NODE = {"scheduler.alpha.kubernetes.io/node-selector": f"{NODE_LABEL[0]}={NODE_LABEL[1]}"}
# the stack node's own sandbox image: it has no `rookery` to run, so the container cannot start
NO_ROOKERY_IMAGE = "localhost/rookery-pause:1.0"
CANNOT_START = {"RunContainerError", "CreateContainerError", "CrashLoopBackOff"}
CANNOT_PULL = {"ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff"}


@pytest.fixture
def node_namespace(cluster: Cluster, operator: dict[str, Any], kube_env: dict[str, str]) -> Iterator[str]:
    """A namespace (op-*, watched by the session's operator) whose pods go to the real node."""
    name = f"op-{uuid.uuid4().hex[:8]}"
    create_datastores_namespace(cluster, kube_env, name, annotations=REAL_NODE)
    yield name
    for obj in cluster.list(GROUP_VERSION, "SocialTenant", name):
        cluster.delete(GROUP_VERSION, "SocialTenant", obj["metadata"]["name"], name)
    cluster.wait_for("tenants gone", lambda: not cluster.list(GROUP_VERSION, "SocialTenant", name), timeout=120)
    cluster.delete("v1", "Namespace", name)


def degraded(cluster: Cluster, namespace: str, name: str) -> dict[str, Any] | None:
    cond = condition(cluster.get(GROUP_VERSION, "SocialTenant", name, namespace) or {}, "Degraded")
    return cond if cond.get("status") == "True" else None


@pytest.mark.parametrize(
    ("image", "policy", "reasons"),
    [("localhost/rookery:missing", "Never", CANNOT_PULL), (NO_ROOKERY_IMAGE, "Never", CANNOT_START)],
    ids=["image-missing", "cannot-start"],
)
def test_a_tenant_whose_image_cannot_start_is_degraded_with_the_kubelets_reason(
    cluster: Cluster, node_namespace: str, image: str, policy: str, reasons: set[str]
) -> None:
    name = f"broken{uuid.uuid4().hex[:4]}"
    body = small_tenant(name, image=image, imagePullPolicy=policy)
    body["spec"]["workers"] = {w: {"replicas": 0} for w in DEPLOYED_WORKERS}  # the platform pod is enough
    cluster.apply(body, namespace=node_namespace)

    cond = cluster.wait_for("the tenant Degraded", lambda: degraded(cluster, node_namespace, name), timeout=300)
    assert cond["reason"] in reasons, cond
    assert f"pod {name}-" in cond["message"] and "container rookery" in cond["message"], cond
    tenant = cluster.get(GROUP_VERSION, "SocialTenant", name, node_namespace)
    assert tenant["status"]["phase"] == "Degraded"
    pods = cluster.list("v1", "Pod", node_namespace)
    assert pods and {p["spec"].get("nodeName") for p in pods if p["spec"].get("nodeName")} == {"rookery-node-0"}
