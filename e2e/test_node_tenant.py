"""End to end on the real node: the operator, run as operator/deploy's Deployment of the image built
here, runs the example tenant, whose pods use the real stack through `make stack-secret`.

The fixtures, in the order a platform team works:
- ``rookery_image``: `make image` (python -m e2e.image build) builds localhost/rookery:dev (the
  dependency layer from the cache after the first time) and imports it into the node's containerd;
- ``operator_deployed``: crds/, operator/deploy/rbac.yaml (namespace rookery-system, annotated so
  its pods go to the real node), peering.yaml and operator.yaml with the image overridden to
  localhost/rookery:dev (never pulled), until both replicas are Ready;
- ``tenant_namespace``: a namespace made by `python -m e2e.stack secret` (annotated for the real
  node; Secret rookery-datastores with the stack's pod addresses; the embedded issuer);
- ``tenant``: crds/examples/tenant.yaml in the topology asked for (``monolith`` or ``split``), with
  the image overridden, replication 1, fewer pods, no Ingress, retentionPolicy Delete, applied and
  waited for until the SocialTenant is Ready. Torn down in reverse order, each waited for.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from e2e import waiting
from e2e.stack.node_config import NODE_LABEL, NODE_NAME
from e2e.test_stack_node import Kubectl

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "operator" / "deploy"
IMAGE = "localhost/rookery:dev"
REAL_NODE = {"scheduler.alpha.kubernetes.io/node-selector": f"{NODE_LABEL[0]}={NODE_LABEL[1]}"}
READY_S = 600  # a cold tenant: migrations, topics, keyspace, every Deployment's pods Ready on 2 cores
TENANT_NEEDS = ("node", "postgres", "redis", "kafka", "cassandra", "search", "keycloak")


def _run(*argv: str, timeout: float = READY_S) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    output = done.stdout[-2000:] + done.stderr[-3000:]
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}:\n{output}"
    return done


@pytest.fixture(scope="session")
def rookery_image() -> str:
    """localhost/rookery:dev built here and imported into the node's containerd (`make image`)."""
    _run(sys.executable, "-m", "e2e.image", "build", timeout=3600)
    return IMAGE


def _until(what: str, probe: Any, timeout_s: float = READY_S) -> Any:
    """Poll (kubectl's own calls are short: Kubectl.run allows each two minutes)."""
    return waiting.eventually(probe, what, timeout_s=timeout_s, interval_s=2)


def with_image(docs: list[dict[str, Any]], image: str) -> list[dict[str, Any]]:
    """operator/deploy/operator.yaml's objects with the operator's image replaced (never pulled)."""
    for doc in docs:
        if doc["kind"] == "Deployment":
            for container in doc["spec"]["template"]["spec"]["containers"]:
                container["image"], container["imagePullPolicy"] = image, "Never"
    return docs


@pytest.fixture(scope="module")
def operator_deployed(stack_env: dict[str, str], rookery_image: str) -> Iterator[Kubectl]:
    """The operator as a Deployment of the image in rookery-system, both replicas Ready."""
    kubectl = Kubectl(stack_env, "rookery-system")
    for crd in sorted((ROOT / "crds").glob("*.yaml")):
        kubectl.run("apply", "--server-side", "--force-conflicts", "-f", str(crd))
    kubectl.run("wait", "--for=condition=Established", "crd", "--all", "--timeout=120s")
    kubectl.run("apply", "-f", str(DEPLOY / "rbac.yaml"))
    kubectl.run("annotate", "--overwrite", "namespace", "rookery-system", *(f"{k}={v}" for k, v in REAL_NODE.items()))
    kubectl.run("apply", "-f", str(DEPLOY / "peering.yaml"))
    deploy = with_image(list(yaml.safe_load_all((DEPLOY / "operator.yaml").read_text())), rookery_image)
    kubectl.apply(*deploy)
    _until("the operator's replicas Ready", lambda: _available(kubectl) == 2)
    yield kubectl
    kubectl.run("delete", "-f", "-", "--wait=true", stdin="\n---\n".join(json.dumps(d) for d in deploy))


def example_tenant(name: str, topology: str, image: str) -> dict[str, Any]:
    """crds/examples/tenant.yaml, made to fit this machine: the image built here, replication 1, one
    pod per Deployment, no autoscaling, no Ingress (clients use the gateway Service), deleted with
    its topics and keyspace."""
    body = yaml.safe_load((ROOT / "crds" / "examples" / "tenant.yaml").read_text())
    spec = body["spec"]
    spec.update(
        image=image,
        imagePullPolicy="Never",
        host=f"{name}.example.test",
        topology=topology,
        retentionPolicy="Delete",
        ingress={"enabled": False},
    )
    spec["workloads"]["replicas"] = 1
    spec["roles"] = {"gateway": {"replicas": 1}} if topology == "split" else {}
    spec["workers"] = {"outbox-relay": {"replicas": 1}}
    spec["kafka"] = {"partitions": 2, "replicationFactor": 1}
    spec["cassandra"] = {"replication": {"strategy": "SimpleStrategy", "replicationFactor": 1}}
    spec["features"]["ranking"] = False  # no model server on this machine
    body["metadata"] = {"name": name}
    return body


@pytest.fixture(scope="module")
def tenant_namespace(operator_deployed: Kubectl, stack_env: dict[str, str]) -> Iterator[Kubectl]:
    """A namespace for the real node with the datastores Secret from `make stack-secret`."""
    namespace = f"e2e-tenant-{uuid.uuid4().hex[:8]}"
    _run(sys.executable, "-m", "e2e.stack", "secret", "--namespace", namespace, "--oidc", "embedded", timeout=120)
    kubectl = Kubectl(stack_env, namespace)
    yield kubectl
    kubectl.run("delete", "namespace", namespace, "--wait=false", check=False)


@pytest.fixture(scope="module", params=["monolith", "split"])
def tenant(request: pytest.FixtureRequest, tenant_namespace: Kubectl, kafka_tenants: set[str]) -> Iterator[dict]:
    """The example tenant in one topology, Ready; deleted (and waited for) afterwards."""
    name = f"bird{request.param[:1]}{uuid.uuid4().hex[:5]}"
    kafka_tenants.add(name)
    body = example_tenant(name, request.param, IMAGE)
    tenant_namespace.apply(body)

    def phase() -> str:
        return str(tenant_namespace.json("socialtenant", name).get("status", {}).get("phase"))

    try:
        _until(f"SocialTenant {name} Ready", lambda: phase() == "Ready")
        yield tenant_namespace.json("socialtenant", name)
    finally:
        tenant_namespace.run("delete", "socialtenant", name, "--wait=false", check=False)
        _until(
            f"SocialTenant {name} deleted",
            lambda: not tenant_namespace.run("get", "socialtenant", name, "--ignore-not-found", "-o", "name").stdout,
        )


pytestmark = pytest.mark.needs(*TENANT_NEEDS)


def _peers(kubectl: Kubectl) -> dict[str, int]:
    """Live entries of the ClusterKopfPeering: pod name -> priority."""
    peering = json.loads(kubectl.run("get", "clusterkopfpeering", "rookery-operator", "-o", "json").stdout)
    return {pod: entry["priority"] for pod, entry in (peering.get("status") or {}).items() if isinstance(entry, dict)}


def _available(kubectl: Kubectl) -> int:
    return int(kubectl.json("deployment", "rookery-operator").get("status", {}).get("readyReplicas") or 0)


def _operator_pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    pods = kubectl.json("pods", "-l", "app.kubernetes.io/name=rookery-operator")["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


def test_the_operator_runs_as_two_replicas_and_killing_the_leader_hands_over(operator_deployed: Kubectl) -> None:
    kubectl = operator_deployed
    pods = _operator_pods(kubectl)
    assert len(pods) == 2
    for pod in pods:
        assert pod["spec"]["nodeName"] == NODE_NAME
        assert all(c["ready"] for c in pod["status"]["containerStatuses"]), pod["status"]
    names = {p["metadata"]["name"] for p in pods}
    peers = waiting.eventually(
        lambda: _peers(kubectl),
        "both replicas in the ClusterKopfPeering",
        until=lambda found: names <= found.keys(),
        timeout_s=60,
        interval_s=1,
    )
    leader = max(names, key=lambda name: peers[name])  # Kopf: the live peer with the highest priority acts
    standby = (names - {leader}).pop()

    def resumed() -> int:  # the standby starts paused, silently when the leader was there first
        return kubectl.run("logs", standby).stdout.count("Resuming operations after the pause")

    before, deleted = resumed(), time.monotonic()
    kubectl.run("delete", "pod", leader, "--wait=false")
    waiting.eventually(resumed, "the standby taking over", timeout_s=60, interval_s=0.5, until=lambda n: n > before)
    took_over_s = time.monotonic() - deleted
    assert took_over_s < 30, took_over_s  # a leader that stops leaves the peering: no lifetime to wait out
    assert leader not in _peers(kubectl)
    _until("the Deployment's two replicas Ready again", lambda: _available(kubectl) == 2)


def test_the_tenant_serves_from_the_real_node(tenant: dict[str, Any], tenant_namespace: Kubectl) -> None:
    """Every pod of the tenant Running and Ready on the real node, the migration Job complete, and
    the gateway Service answering from this machine at its ClusterIP."""
    name = tenant["metadata"]["name"]
    pods = tenant_namespace.json("pods", "-l", f"app.kubernetes.io/instance={name}")["items"]
    serving = [p for p in pods if p["status"].get("phase") != "Succeeded"]  # the migration Job's pod is done
    assert serving, pods
    for pod in serving:
        assert pod["spec"]["nodeName"] == NODE_NAME, pod["metadata"]["name"]
        assert pod["status"]["phase"] == "Running" and all(c["ready"] for c in pod["status"]["containerStatuses"])
    jobs = tenant_namespace.json("jobs", "-l", f"app.kubernetes.io/instance={name}")["items"]
    assert jobs and all(j["status"].get("succeeded") == 1 for j in jobs), [j["status"] for j in jobs]
    front = "platform" if tenant["spec"]["topology"] == "monolith" else "gateway"
    service = tenant_namespace.json("service", f"{name}-{front}")
    url = f"http://{service['spec']['clusterIP']}:{service['spec']['ports'][0]['port']}"
    assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
    instance = httpx.get(f"{url}/api/v1/instance", timeout=10)
    assert instance.status_code == 200 and instance.json()["title"] == "Birdhouse", instance.text
