"""The real-stack Kubernetes control plane works the way the operator needs it to.

Talks to the real kube-apiserver (etcd, controller-manager, scheduler, kwok fake nodes) with the
official Python client: CRDs become Established and serve custom objects, Deployments get pods
that the scheduler binds to a fake node and that report Ready, Jobs complete, GPU requests are
honoured; and the locally made certificates are what the apiserver needs.
"""

from __future__ import annotations

import functools
import pathlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from e2e import waiting
from e2e.stack import kube_pki
from e2e.stack.kube import KWOK_NAMESPACE_ANNOTATIONS

GROUP = "e2e.rookery.dev"
DEADLINE_S = 90.0


# Poll until probe returns something truthy; fail naming what never happened.
eventually = functools.partial(
    waiting.eventually, timeout_s=DEADLINE_S, interval_s=0.5, message="{what}: not within {timeout_s:.0f}s"
)


@pytest.fixture
def api(stack_env: dict[str, str]) -> Iterator[client.ApiClient]:
    with config.new_client_from_config(config_file=stack_env["KUBECONFIG"]) as api_client:
        yield api_client


@pytest.fixture
def namespace(api: client.ApiClient) -> Iterator[str]:
    name = f"e2e-kube-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(api)
    # fake pods on kwok's fake nodes only, never on the real node (PodNodeSelector)
    metadata = client.V1ObjectMeta(name=name, annotations=dict(KWOK_NAMESPACE_ANNOTATIONS))
    core.create_namespace(client.V1Namespace(metadata=metadata))
    yield name
    core.delete_namespace(name)


@pytest.mark.needs("kube")
def test_crd_becomes_established_and_serves_custom_objects(api: client.ApiClient, namespace: str) -> None:
    plural = f"probes{uuid.uuid4().hex[:6]}"
    crd_name = f"{plural}.{GROUP}"
    extensions = client.ApiextensionsV1Api(api)
    schema = client.V1JSONSchemaProps(
        type="object",
        properties={
            "spec": client.V1JSONSchemaProps(
                type="object",
                required=["replicas"],
                properties={"replicas": client.V1JSONSchemaProps(type="integer", minimum=0)},
            )
        },
    )
    extensions.create_custom_resource_definition(
        client.V1CustomResourceDefinition(
            metadata=client.V1ObjectMeta(name=crd_name),
            spec=client.V1CustomResourceDefinitionSpec(
                group=GROUP,
                scope="Namespaced",
                names=client.V1CustomResourceDefinitionNames(plural=plural, singular=plural, kind="Probe"),
                versions=[
                    client.V1CustomResourceDefinitionVersion(
                        name="v1",
                        served=True,
                        storage=True,
                        schema=client.V1CustomResourceValidation(open_apiv3_schema=schema),
                    )
                ],
            ),
        )
    )
    try:

        def established() -> bool:
            crd = plain(api, extensions.read_custom_resource_definition(crd_name))
            return _condition(crd, "Established") == "True"

        eventually(established, f"CRD {crd_name} Established")
        objects = client.CustomObjectsApi(api)
        body = {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Probe",
            "metadata": {"name": "one"},
            "spec": {"replicas": 3},
        }
        # the group's discovery can lag Established by a moment
        eventually(
            lambda: _created(
                lambda: objects.create_namespaced_custom_object(GROUP, "v1", namespace, plural, body)
            ),
            "custom object accepted",
        )
        stored: dict[str, Any] = objects.get_namespaced_custom_object(  # type: ignore[assignment]
            GROUP, "v1", namespace, plural, "one"
        )
        assert stored["spec"] == {"replicas": 3}

        # the structural schema is enforced by the real apiserver
        bad = {**body, "metadata": {"name": "two"}, "spec": {"replicas": -1}}
        with pytest.raises(ApiException) as rejected:
            objects.create_namespaced_custom_object(GROUP, "v1", namespace, plural, bad)
        assert rejected.value.status == 422
    finally:
        extensions.delete_custom_resource_definition(crd_name)


def plain(api: client.ApiClient, model: object) -> dict[str, Any]:
    """The object as the apiserver's JSON (camelCase keys), free of the models' Optional fields."""
    return api.sanitize_for_serialization(model)


def _condition(obj: dict[str, Any], kind: str, field: str = "status") -> str | None:
    for condition in obj.get("status", {}).get("conditions", []):
        if condition["type"] == kind:
            return condition.get(field)
    return None


def _created(create: Callable[[], Any]) -> bool:
    try:
        create()
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _deployment(name: str, replicas: int, limits: dict[str, str]) -> client.V1Deployment:
    labels = {"app": name}
    container = client.V1Container(
        name="main",
        image="rookery/probe:e2e",  # never pulled: kwok plays the kubelet
        resources=client.V1ResourceRequirements(
            requests={"cpu": "100m", "memory": "64Mi"}, limits=limits or None
        ),
    )
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(containers=[container])
            ),
        ),
    )


@pytest.mark.needs("kube")
def test_deployment_pods_are_scheduled_and_become_ready(api: client.ApiClient, namespace: str) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(namespace, _deployment("web", 2, {}))
    apps.create_namespaced_deployment(namespace, _deployment("gpu", 1, {"nvidia.com/gpu": "1"}))

    def ready_replicas(name: str) -> int:
        deployment = plain(api, apps.read_namespaced_deployment_status(name, namespace))
        return int(deployment["status"].get("readyReplicas", 0))

    eventually(lambda: ready_replicas("web") == 2, "deployment web has 2 ready replicas")
    eventually(lambda: ready_replicas("gpu") == 1, "deployment gpu has 1 ready replica")

    pods = plain(api, core.list_namespaced_pod(namespace))["items"]
    assert len(pods) == 3
    nodes = {n["metadata"]["name"] for n in plain(api, core.list_node(label_selector="type=kwok"))["items"]}
    assert nodes
    for pod in pods:
        assert pod["spec"]["nodeName"] in nodes
        assert pod["status"]["phase"] == "Running"
        assert pod["status"]["podIP"]
        assert _condition(pod, "Ready") == "True"


@pytest.mark.needs("kube")
def test_job_pods_run_to_completion(api: client.ApiClient, namespace: str) -> None:
    batch = client.BatchV1Api(api)
    container = client.V1Container(name="migrate", image="rookery/probe:e2e")
    batch.create_namespaced_job(
        namespace,
        client.V1Job(
            metadata=client.V1ObjectMeta(name="migrate"),
            spec=client.V1JobSpec(
                backoff_limit=0,
                template=client.V1PodTemplateSpec(
                    spec=client.V1PodSpec(containers=[container], restart_policy="Never")
                ),
            ),
        ),
    )

    def complete() -> bool:
        return (
            _condition(plain(api, batch.read_namespaced_job_status("migrate", namespace)), "Complete")
            == "True"
        )

    eventually(complete, "job migrate Complete")
    assert plain(api, batch.read_namespaced_job_status("migrate", namespace))["status"]["succeeded"] == 1


@pytest.mark.needs("kube")
def test_scheduler_refuses_a_gpu_request_no_node_can_hold(api: client.ApiClient, namespace: str) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(namespace, _deployment("too-big", 1, {"nvidia.com/gpu": "64"}))

    def pods() -> list[dict[str, Any]]:
        return plain(api, core.list_namespaced_pod(namespace, label_selector="app=too-big"))["items"]

    eventually(
        lambda: any(_condition(p, "PodScheduled", "reason") == "Unschedulable" for p in pods()),
        "pod asking for 64 GPUs reported Unschedulable",
    )
    [pod] = pods()
    assert "nodeName" not in pod["spec"]


def test_pki_admin_is_system_masters_and_serving_cert_names_the_apiserver(tmp_path: pathlib.Path) -> None:
    pki = kube_pki.ensure(tmp_path / "pki", host="127.0.0.1", service_cidr="10.96.0.0/16")
    ca = x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes())
    admin = x509.load_pem_x509_certificate((pki / "admin.crt").read_bytes())
    serving = x509.load_pem_x509_certificate((pki / "apiserver.crt").read_bytes())

    for cert in (admin, serving):
        cert.verify_directly_issued_by(ca)
    organizations = admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [o.value for o in organizations] == ["system:masters"]
    sans = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "kubernetes.default.svc"} <= set(sans.get_values_for_type(x509.DNSName))
    ips = {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
    assert ips == {"127.0.0.1", "10.96.0.1"}

    # a second call keeps the files: a restarted apiserver still trusts the tokens it signed
    before = (pki / "sa.key").read_bytes()
    kube_pki.ensure(pki, host="127.0.0.1", service_cidr="10.96.0.0/16")
    assert (pki / "sa.key").read_bytes() == before

    kubeconfig = tmp_path / "admin.kubeconfig"
    kubeconfig.write_text(kube_pki.kubeconfig(pki, "https://127.0.0.1:6443"))
    loaded = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=loaded)
    assert loaded.host == "https://127.0.0.1:6443"
