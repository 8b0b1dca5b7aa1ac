"""render/pods.py: the pod template every Deployment and Job shares."""

from __future__ import annotations

from render_support import by_name, tenant

from rookery.operator.models import Resources
from rookery.operator.render.configmaps import tenant_config_map
from rookery.operator.render.deployments import tenant_deployments
from rookery.operator.render.pods import pod_template


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
    # endpoints go before the process stops: a deleted or rolled pod costs clients no request
    assert container["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}
    assert pod["terminationGracePeriodSeconds"] > 5
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


def test_a_template_without_probes_has_no_port_and_keeps_its_restart_policy() -> None:
    spec = tenant().spec
    template = pod_template(
        labels={"app": "x"},
        spec=spec,
        args=["migrate"],
        config_map="birdhouse-config",
        config_hash="abc",
        res=Resources(requests={"cpu": "1"}, limits={"memory": "1Gi"}),
        extra_env=[{"name": "EXTRA", "value": "1"}],
        probes=False,
        restart_policy="Never",
    )
    (container,) = template["spec"]["containers"]
    assert not {"ports", "startupProbe", "livenessProbe", "readinessProbe", "lifecycle"} & set(container)
    assert template["spec"]["restartPolicy"] == "Never"
    assert template["metadata"]["annotations"] == {"rookery.dev/config-hash": "abc"}
    assert container["env"][-1] == {"name": "EXTRA", "value": "1"}  # after the secret references
    assert container["resources"] == {"requests": {"cpu": "1"}, "limits": {"memory": "1Gi"}}
    assert container["image"] == spec.image and container["command"] == ["rookery"]
    assert template["spec"]["automountServiceAccountToken"] is False
