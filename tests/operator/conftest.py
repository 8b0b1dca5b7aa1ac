"""Fixtures for the operator against the real stack: kube-apiserver (pods through kwok), Kafka, Cassandra.

The operator runs as `rookery operator` in a subprocess, exactly as in a cluster, with a short
resync period so that drift correction shows within a test.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from kubernetes import client
from kubernetes.dynamic import DynamicClient
from operator_harness import (
    GROUP_VERSION,
    RESYNC_S,
    ROOT,
    Cluster,
    condition,
    create_datastores_namespace,
    free_port,
    install_crds,
)


@pytest.fixture(scope="session")
def kube_env(stack_env: dict[str, str]) -> dict[str, str]:
    return stack_env


@pytest.fixture(scope="session")
def operator_log(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("operator") / "operator.log"


@pytest.fixture(scope="session")
def cluster(kube_env: dict[str, str], operator_log: pathlib.Path) -> Cluster:
    cl = Cluster(kube_env["KUBECONFIG"], operator_log)
    install_crds(cl)
    for doc in yaml.safe_load_all((ROOT / "operator" / "deploy" / "rbac.yaml").read_text()):
        cl.apply(doc, namespace=doc["metadata"].get("namespace"))
    return cl


@pytest.fixture(scope="session")
def operator_kubeconfig(
    cluster: Cluster, kube_env: dict[str, str], operator_log: pathlib.Path
) -> pathlib.Path:
    """A kubeconfig with the token of operator/deploy/rbac.yaml's ServiceAccount: the tests prove the RBAC."""
    request = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"expirationSeconds": 7200},
    }
    token = (
        client.CoreV1Api(cluster.api)
        .create_namespaced_service_account_token("rookery-operator", "rookery-system", request)
        .status.token
    )
    admin = yaml.safe_load(pathlib.Path(kube_env["KUBECONFIG"]).read_text())
    context = next(c for c in admin["contexts"] if c["name"] == admin["current-context"])["context"]
    cluster_entry = next(c for c in admin["clusters"] if c["name"] == context["cluster"])
    config_ = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster_entry],
        "users": [{"name": "rookery-operator", "user": {"token": token}}],
        "contexts": [
            {"name": "operator", "context": {"cluster": cluster_entry["name"], "user": "rookery-operator"}}
        ],
        "current-context": "operator",
    }
    path = operator_log.parent / "operator.kubeconfig"
    path.write_text(yaml.safe_dump(config_))
    return path


@pytest.fixture(scope="session")
def operator(
    cluster: Cluster, kube_env: dict[str, str], operator_log: pathlib.Path
) -> Iterator[dict[str, Any]]:
    metrics, liveness = free_port(), free_port()
    env = {**os.environ, "KUBECONFIG": kube_env["KUBECONFIG"]}
    with operator_log.open("w") as log:
        proc = subprocess.Popen(
            [
                # only the tests' op-* namespaces: e2e/test_node_tenant.py runs operator/deploy's
                # operator in the same cluster, and two operators must not fight over one tenant
                sys.executable, "-m", "rookery.workloads.cli", "operator", "--standalone", "--namespace", "op-*",
                "--resync-seconds", str(RESYNC_S), "--metrics-port", str(metrics),
                "--liveness", f"http://127.0.0.1:{liveness}/healthz",
                "--log-level", os.environ.get("ROOKERY_OPERATOR_LOG_LEVEL", "INFO"),
            ],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    info = {"pid": proc.pid, "metrics": f"http://127.0.0.1:{metrics}/metrics", "log": operator_log}

    def alive() -> bool:
        assert proc.poll() is None, "the operator exited:\n" + operator_log.read_text()[-4000:]
        try:
            return httpx.get(f"http://127.0.0.1:{liveness}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    cluster.wait_for("the operator's liveness endpoint", alive, timeout=60)
    yield info
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def peering_crds(cluster: Cluster) -> None:
    """Kopf's peering CRDs from operator/deploy/peering.yaml, Established."""
    for doc in yaml.safe_load_all((ROOT / "operator" / "deploy" / "peering.yaml").read_text()):
        if doc["kind"] == "CustomResourceDefinition":
            cluster.apply(doc)
            cluster.wait_for(
                f"CRD {doc['metadata']['name']}",
                lambda n=doc["metadata"]["name"]: (
                    condition(
                        cluster.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", n), "Established"
                    ).get("status")
                    == "True"
                ),
            )
    cluster.dyn = DynamicClient(cluster.api)


@pytest.fixture()
def namespace(cluster: Cluster, operator: dict[str, Any], kube_env: dict[str, str]) -> Iterator[str]:
    """A fresh namespace with the `rookery-datastores` Secret pointing at the real stack."""
    name = f"op-{uuid.uuid4().hex[:8]}"
    create_datastores_namespace(cluster, kube_env, name)
    yield name
    # custom resources first, while the operator runs to release their finalizers
    for kind in ("ModelDeployment", "FeedShard", "SocialTenant"):
        for obj in cluster.list(GROUP_VERSION, kind, name):
            cluster.delete(GROUP_VERSION, kind, obj["metadata"]["name"], name)
    cluster.wait_for(
        "custom resources gone",
        lambda: (
            not any(
                cluster.list(GROUP_VERSION, k, name) for k in ("ModelDeployment", "FeedShard", "SocialTenant")
            )
        ),
        timeout=60,
    )
    cluster.delete("v1", "Namespace", name)
