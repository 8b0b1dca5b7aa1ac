"""Every object the charts render, validated by a real kube-apiserver (server-side dry run).

The CRDs the operator chart ships are applied first (they are the repository's, see
test_delivery_charts); then each rendered object is created with dryRun=All, so the API server
runs its full validation - OpenAPI schemas, the CRDs' CEL rules, admission - and stores nothing.
The operator's pod template is also dry-run as a Pod in a namespace that enforces the
`restricted` Pod Security Standard. Not validated here: the ServiceMonitor (no Prometheus
operator CRDs in the stack; its shape is checked in test_delivery_charts).
"""

from __future__ import annotations

import pathlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from delivery_support import GPU_VALUES, OPERATOR_CHART, PLATFORM_CHART, by_kind, datastore_sets, template
from kubernetes import config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ApiException

from e2e.stack.kube import KWOK_NAMESPACE_ANNOTATIONS

pytestmark = pytest.mark.needs("kube")

FIELD_MANAGER = "tests"  # the operator tests apply the same CRDs under this manager


@pytest.fixture(scope="module")
def dyn(stack_env: dict[str, str], helm: pathlib.Path) -> DynamicClient:
    client = DynamicClient(config.new_client_from_config(config_file=stack_env["KUBECONFIG"]))
    crds = template(helm, OPERATOR_CHART, include_crds=True)
    crd_api = client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    names = []
    for crd in by_kind(crds, "CustomResourceDefinition"):
        crd_api.server_side_apply(
            body=crd, name=crd["metadata"]["name"], field_manager=FIELD_MANAGER, force_conflicts=True
        )
        names.append(crd["metadata"]["name"])
    deadline = time.monotonic() + 30
    while names and time.monotonic() < deadline:
        crd = crd_api.get(name=names[0]).to_dict()
        conditions = (crd.get("status") or {}).get("conditions") or []  # none yet, right after creation
        if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            names.pop(0)
        else:
            time.sleep(0.2)
    assert not names, f"CRDs not established: {names}"
    client.resources.invalidate_cache()
    return client


@pytest.fixture(scope="module")
def namespace(dyn: DynamicClient) -> Iterator[str]:
    """A fresh namespace enforcing the restricted Pod Security Standard."""
    name = f"delivery-{uuid.uuid4().hex[:8]}"
    ns_api = dyn.resources.get(api_version="v1", kind="Namespace")
    ns_api.create(
        body={
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
                "annotations": dict(KWOK_NAMESPACE_ANNOTATIONS),  # pods only on kwok's fake nodes
            },
        }
    )
    yield name
    ns_api.delete(name=name)


def dry_run_create(dyn: DynamicClient, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    api = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    ns = namespace if api.namespaced else None
    return api.create(body=obj, namespace=ns, dry_run="All").to_dict()


def _release(prefix: str) -> str:
    # unique names: cluster-scoped objects (ClusterRole, peering) must not collide with installed ones
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest.mark.parametrize(
    "sets",
    [
        {},
        {"peering.enabled": "false", "watchNamespaces[0]": "a", "rbac.extraSecretNames[0]": "more-stores"},
        {"watchNamespaces[0]": "{namespace}"},  # KopfPeering + Role in the watched namespace
    ],
    ids=["defaults", "standalone", "watched-namespace-peering"],
)
def test_operator_chart_objects_pass_the_api_server(
    dyn: DynamicClient, namespace: str, helm: pathlib.Path, sets: dict[str, str]
) -> None:
    sets = {key: value.format(namespace=namespace) for key, value in sets.items()}
    docs = template(
        helm, OPERATOR_CHART, release=_release("rookery-operator"), namespace=namespace, sets=sets
    )
    kinds = []
    for obj in docs:
        created = dry_run_create(dyn, obj, namespace)
        assert created["metadata"]["name"] == obj["metadata"]["name"]
        kinds.append(obj["kind"])
    assert {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service"} <= set(kinds)
    # what the Deployment controller would create, admitted by Pod Security (restricted); the
    # ServiceAccount admission wants the account to exist, so it is created for real (the
    # namespace is thrown away)
    (account,) = by_kind(docs, "ServiceAccount")
    dyn.resources.get(api_version="v1", kind="ServiceAccount").create(body=account, namespace=namespace)
    (deployment,) = by_kind(docs, "Deployment")
    template_ = deployment["spec"]["template"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "operator-pod", "labels": template_["metadata"]["labels"]},
        "spec": template_["spec"],
    }
    dry_run_create(dyn, pod, namespace)


def test_pod_security_admission_is_really_enforced(dyn: DynamicClient, namespace: str) -> None:
    """The check above means something: a pod that may escalate privileges is refused here."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "loose-pod"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    with pytest.raises(ApiException) as refused:
        dry_run_create(dyn, pod, namespace)
    assert refused.value.status == 403
    assert "restricted" in refused.value.body


@pytest.mark.parametrize(
    ("values", "sets"),
    [
        ((), {}),
        ((GPU_VALUES,), {}),
        ((), datastore_sets()),
    ],
    ids=["defaults", "gpu", "with-secret"],
)
def test_platform_chart_objects_pass_the_api_server(
    dyn: DynamicClient, namespace: str, helm: pathlib.Path, values: tuple, sets: dict[str, str]
) -> None:
    docs = template(
        helm, PLATFORM_CHART, release=_release("tenant"), namespace=namespace, values=values, sets=sets
    )
    for obj in docs:
        created = dry_run_create(dyn, obj, namespace)
        if obj["kind"] == "SocialTenant":
            # the API server filled in the CRD's defaults the chart left out
            assert created["spec"]["rateLimits"]["perIp"] == 300
            assert created["spec"]["host"] == obj["spec"]["host"]
    assert by_kind(docs, "SocialTenant")


def test_cel_rules_refuse_values_the_chart_schema_lets_through(
    dyn: DynamicClient, namespace: str, helm: pathlib.Path
) -> None:
    """values.schema.json checks shape; the CRDs' CEL rules still guard what it does not know."""
    docs = template(
        helm,
        PLATFORM_CHART,
        release=_release("tenant"),
        namespace=namespace,
        sets={
            "models[0].name": "both",
            "models[0].task": "ranking",
            "models[0].storageUri": "s3://models/r",
            "models[0].image": "rookery:1",
            "models[0].modelFormat.name": "sklearn",
            "tenant.roles.gateway.replicas": "3",  # roles with topology monolith
        },
    )
    model = by_kind(docs, "ModelDeployment")[0]
    with pytest.raises(ApiException) as refused:
        dry_run_create(dyn, model, namespace)
    assert refused.value.status == 422
    assert "set either image" in refused.value.body
    tenant = by_kind(docs, "SocialTenant")[0]
    with pytest.raises(ApiException) as refused:
        dry_run_create(dyn, tenant, namespace)
    assert refused.value.status == 422
    assert "only apply with topology: split" in refused.value.body
