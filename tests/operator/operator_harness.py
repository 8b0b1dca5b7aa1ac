"""Test-side helpers for the operator tests: a small cluster client, conditions, tenant bodies."""

from __future__ import annotations

import base64
import contextlib
import os
import pathlib
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import yaml
from kubernetes import config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

from e2e.stack.kube import KWOK_NAMESPACE_ANNOTATIONS
from e2e.waiting import eventually

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
GROUP_VERSION = "rookery.dev/v1alpha1"
RESYNC_S = 3
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A small test-side client: apply, read, delete and wait, through the dynamic client."""

    def __init__(self, kubeconfig: str, log: pathlib.Path) -> None:
        self.api = config.new_client_from_config(config_file=kubeconfig)
        self.dyn = DynamicClient(self.api)
        self.log = log

    def res(self, api_version: str, kind: str) -> Any:
        return self.dyn.resources.get(api_version=api_version, kind=kind)

    def create(self, body: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        return self.res(body["apiVersion"], body["kind"]).create(body=body, namespace=namespace).to_dict()

    def apply(self, body: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        res = self.res(body["apiVersion"], body["kind"])
        return self.dyn.server_side_apply(
            res,
            body=body,
            name=body["metadata"]["name"],
            namespace=namespace,
            field_manager="tests",
            force_conflicts=True,
        ).to_dict()

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        try:
            return self.res(api_version, kind).get(name=name, namespace=namespace).to_dict()
        except NotFoundError:
            return None

    def list(self, api_version: str, kind: str, namespace: str, selector: str = "") -> list[dict[str, Any]]:
        items = self.res(api_version, kind).get(namespace=namespace, label_selector=selector).items
        return [i.to_dict() for i in items]

    def patch(
        self, api_version: str, kind: str, name: str, namespace: str, patch: dict[str, Any]
    ) -> dict[str, Any]:
        res = self.res(api_version, kind)
        return res.patch(
            name=name, namespace=namespace, body=patch, content_type="application/merge-patch+json"
        ).to_dict()

    def patch_status(
        self, api_version: str, kind: str, name: str, namespace: str, status: dict[str, Any]
    ) -> None:
        res = self.res(api_version, kind).subresources["status"]
        res.patch(
            name=name,
            namespace=namespace,
            body={"status": status},
            content_type="application/merge-patch+json",
        )

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> None:
        with contextlib.suppress(NotFoundError):
            self.res(api_version, kind).delete(name=name, namespace=namespace)

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float = 180) -> T:
        def timed_out(last: object) -> str:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-40:]) if self.log.exists() else ""
            return f"timed out after {timeout}s waiting for {what}; last: {last!r}\noperator log:\n{tail}"

        return eventually(probe, what, timeout_s=timeout, interval_s=0.3, message=timed_out)


def install_crds(cl: Cluster) -> None:
    """Rookery's CRDs and KServe's InferenceService CRD, applied and Established; the client then
    rediscovers the API so that the new kinds resolve."""
    crd_files = [*sorted((ROOT / "crds").glob("*.yaml")), FIXTURES / "inferenceservice-crd.yaml"]
    for path in crd_files:
        cl.apply(yaml.safe_load(path.read_text()))
    for path in crd_files:
        name = yaml.safe_load(path.read_text())["metadata"]["name"]
        cl.wait_for(
            f"CRD {name} established",
            lambda n=name: (
                condition(
                    cl.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", n), "Established"
                ).get("status")
                == "True"
            ),
        )
    cl.dyn = DynamicClient(cl.api)


def condition(obj: dict[str, Any] | None, type_: str) -> dict[str, Any]:
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond["type"] == type_:
            return cond
    return {}


def cassandra_points(env: dict[str, str]) -> str:
    points = env["ROOKERY_CASSANDRA_CONTACT_POINTS"]
    port = env.get("ROOKERY_CASSANDRA_PORT")
    if port and ":" not in points:
        points = ",".join(f"{p}:{port}" for p in points.split(","))
    return points


def create_datastores_namespace(
    cluster: Cluster, kube_env: dict[str, str], name: str, annotations: dict[str, str] | None = None
) -> None:
    """Namespace name with the `rookery-datastores` Secret pointing at the real stack; its pods land
    on kwok's fake nodes, never on the real node (PodNodeSelector), unless annotations say otherwise."""
    metadata = {"name": name, "annotations": dict(KWOK_NAMESPACE_ANNOTATIONS if annotations is None else annotations)}
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})
    data = {
        "postgres-dsn": kube_env.get("ROOKERY_POSTGRES_DSN", "postgresql://rookery@127.0.0.1:5432/rookery"),
        "redis-url": kube_env.get("ROOKERY_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "kafka-bootstrap": kube_env["ROOKERY_KAFKA_BOOTSTRAP"],
        "cassandra-contact-points": cassandra_points(kube_env),
        "search-url": kube_env.get("ROOKERY_SEARCH_URL", "http://127.0.0.1:9200"),
        "oidc-issuer": kube_env.get("ROOKERY_OIDC_ISSUER", "http://127.0.0.1:8180/realms/rookery"),
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "rookery-datastores", "namespace": name},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    cluster.create(secret, namespace=name)


def small_tenant(name: str, **spec: Any) -> dict[str, Any]:
    """A monolith tenant with few pods; retentionPolicy Delete so that tests leave no topics behind."""
    body = {
        "image": "ghcr.io/rookery-social/rookery:0.1.0",
        "host": f"{name}.example.org",
        "kafka": {"partitions": 2, "replicationFactor": 1},
        "cassandra": {"replication": {"strategy": "SimpleStrategy", "replicationFactor": 1}},
        "workers": {"index": {"replicas": 0}, "media": {"replicas": 0}, "analytics": {"replicas": 0}},
        "retentionPolicy": "Delete",
    }
    body.update(spec)
    return {"apiVersion": GROUP_VERSION, "kind": "SocialTenant", "metadata": {"name": name}, "spec": body}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def start_operator(kubeconfig: str | pathlib.Path, log: pathlib.Path, *args: str) -> subprocess.Popen[bytes]:
    """`rookery operator ARGS` in a subprocess, as in a pod, its output (stderr too) into log."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "rookery.workloads.cli", "operator", *args],
            env={**os.environ, "KUBECONFIG": str(kubeconfig)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
