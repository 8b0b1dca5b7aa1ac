"""`make stack-secret NAMESPACE=ns`: Secret rookery-datastores for pods, against the stack's kube."""

from __future__ import annotations

import base64
import pathlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import yaml
from kubernetes import client, config

from e2e.stack import datastores_secret, hostnet, process, runner
from rookery.operator.models import DATASTORES_SECRET, SocialTenantSpec
from rookery.operator.render.children import tenant_children
from rookery.operator.render.common import Owner, Tenant

REPO = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE_TENANT = REPO / "crds" / "examples" / "tenant.yaml"


def read_keys(tenant: Tenant) -> set[str]:
    """The datastores Secret keys a tenant's rendered children read."""
    return {
        entry["valueFrom"]["secretKeyRef"]["key"]
        for child in tenant_children(tenant)
        for container in child.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
        for entry in container.get("env", [])
        if entry.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == DATASTORES_SECRET
    }


def test_the_secret_has_every_key_the_operator_renders() -> None:
    written = datastores_secret.secret_data(runner.pod_env(datastores_secret.DATASTORE_SERVERS))
    split = SocialTenantSpec.model_validate(yaml.safe_load(EXAMPLE_TENANT.read_text())["spec"])
    monolith = SocialTenantSpec(image="localhost/rookery:dev", host="tiny.example.org")
    for spec in (split, monolith):
        needed = read_keys(Tenant(Owner("SocialTenant", "t", "ns", "uid"), spec))
        assert needed and needed <= written.keys(), sorted(needed - written.keys())
    # each value names an address pods reach, never this machine's loopback
    for key in datastores_secret.secret_keys():
        assert hostnet.POD_HOST in written[key] and "127.0.0.1" not in written[key], key
    embedded = datastores_secret.secret_data(runner.pod_env(datastores_secret.DATASTORE_SERVERS), "embedded")
    assert embedded["oidc-issuer"] == ""


def test_describe_never_shows_credentials() -> None:
    assert datastores_secret.describe("postgresql://rookery:hunter2@10.250.0.1:5432/rookery") == (
        "postgresql://10.250.0.1:5432/rookery"
    )
    assert datastores_secret.describe("10.250.0.1:9094,10.250.0.2:9094") == "10.250.0.1:9094,10.250.0.2:9094"
    assert datastores_secret.describe("rookery-gateway-secret") == "(set)"


def stack_secret(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "e2e.stack", "secret", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def core(stack_env: dict[str, str]) -> Iterator[client.CoreV1Api]:
    with config.new_client_from_config(config_file=stack_env["KUBECONFIG"]) as api:
        yield client.CoreV1Api(api)


@pytest.mark.needs("kube")
def test_stack_secret_creates_the_namespace_and_writes_pod_addresses(core: client.CoreV1Api) -> None:
    namespace = f"secret-{uuid.uuid4().hex[:8]}"
    try:
        first = stack_secret("--namespace", namespace)
        assert first.returncode == 0, first.stderr
        assert f"namespace {namespace} created" in first.stdout
        assert f"secret {namespace}/rookery-datastores created" in first.stdout
        assert "rookery:rookery@" not in first.stdout and "rookery-gateway-secret" not in first.stdout
        annotations = core.read_namespace(namespace).metadata.annotations
        assert annotations["scheduler.alpha.kubernetes.io/node-selector"] == "rookery.dev/node=real"

        secret = core.read_namespaced_secret("rookery-datastores", namespace)
        data = {k: base64.b64decode(v).decode() for k, v in secret.data.items()}
        assert data == datastores_secret.secret_data(runner.pod_env(datastores_secret.DATASTORE_SERVERS))
        assert data["kafka-bootstrap"] == f"{hostnet.POD_HOST}:9094"
        for key in ("postgres-dsn", "redis-url", "search-url", "oidc-issuer"):
            parts = urlsplit(data[key])
            assert parts.hostname == hostnet.POD_HOST and process.port_open(parts.port or 80, hostnet.POD_HOST), key

        again = stack_secret("--namespace", namespace, "--oidc", "embedded")
        assert again.returncode == 0, again.stderr
        assert f"namespace {namespace} exists" in again.stdout and "replaced" in again.stdout
        data = core.read_namespaced_secret("rookery-datastores", namespace).data
        assert base64.b64decode(data.get("oidc-issuer", "")).decode() == ""
        assert "oidc-client-secret" not in data
    finally:
        core.delete_namespace(namespace)


def test_stack_secret_refuses_bad_input() -> None:
    bad = stack_secret("--namespace", "Not_A_Label")
    assert bad.returncode == 1 and "is not a DNS label" in bad.stderr
    missing = stack_secret()
    assert missing.returncode == 2 and "secret takes --namespace NS" in missing.stderr
