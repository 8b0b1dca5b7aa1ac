"""The Helm charts, rendered by the pinned helm and read back: lint, security, RBAC, CRDs, values."""

from __future__ import annotations

import itertools
import json
import pathlib
from typing import Any

import pytest
import yaml
from delivery_support import (
    DATASTORE_KEYS,
    GPU_VALUES,
    OPERATOR_CHART,
    PLATFORM_CHART,
    ROOT,
    HelmFailed,
    by_kind,
    chart_script,
    datastore_sets,
    helm_run,
    one,
    template,
)

HASH_SPACE = 2**32


def _sync_module() -> Any:
    return chart_script("sync")


def _source_rules() -> list[dict[str, Any]]:
    docs = yaml.safe_load_all((ROOT / "operator" / "deploy" / "rbac.yaml").read_text())
    (role,) = [d for d in docs if d and d["kind"] == "ClusterRole"]
    return role["rules"]


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


# ------------------------------------------------------------------------------------------ lint


@pytest.mark.parametrize(
    ("chart", "values"),
    [(OPERATOR_CHART, ()), (PLATFORM_CHART, ()), (PLATFORM_CHART, (GPU_VALUES,))],
    ids=["operator", "platform", "platform-gpu"],
)
def test_charts_pass_helm_lint_strict(helm: pathlib.Path, chart: pathlib.Path, values: tuple) -> None:
    args = ["lint", "--strict", str(chart)]
    for path in values:
        args += ["--values", str(path)]
    out = helm_run(helm, *args)
    assert "1 chart(s) linted, 0 chart(s) failed" in out


def test_both_charts_declare_a_values_schema() -> None:
    for chart in (OPERATOR_CHART, PLATFORM_CHART):
        schema = json.loads((chart / "values.schema.json").read_text())
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        defaults = yaml.safe_load((chart / "values.yaml").read_text())
        assert set(defaults) <= set(schema["properties"]), chart.name


# ------------------------------------------------------------------------------- operator chart


def test_chart_crds_are_the_repository_crds(helm: pathlib.Path) -> None:
    sync = _sync_module()
    assert sync.stale() == [], "run python platform-charts/sync.py"
    for source in sorted((ROOT / "crds").glob("*.yaml")):
        assert (OPERATOR_CHART / "crds" / source.name).read_bytes() == source.read_bytes()
    rendered = template(helm, OPERATOR_CHART, include_crds=True)
    names = {d["metadata"]["name"] for d in by_kind(rendered, "CustomResourceDefinition")}
    assert names == {
        "socialtenants.rookery.dev",
        "feedshards.rookery.dev",
        "modeldeployments.rookery.dev",
        "clusterkopfpeerings.kopf.dev",
        "kopfpeerings.kopf.dev",
    }


def test_operator_rbac_is_operator_deploy_rbac(helm: pathlib.Path) -> None:
    docs = template(helm, OPERATOR_CHART, release="rookery-operator", namespace="rookery-system")
    role = one(docs, "ClusterRole")
    assert role["rules"] == _source_rules()
    for rule in role["rules"]:  # least privilege: no wildcard anywhere
        assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
    binding = one(docs, "ClusterRoleBinding")
    account = one(docs, "ServiceAccount")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": "rookery-system"}
    ]
    deployment = one(docs, "Deployment")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]


def test_extra_secret_names_only_widen_the_secret_rule(helm: pathlib.Path) -> None:
    docs = template(helm, OPERATOR_CHART, sets={"rbac.extraSecretNames[0]": "other-datastores"})
    rules = one(docs, "ClusterRole")["rules"]
    expected = _source_rules()
    (named,) = [rule for rule in expected if "secrets" in rule["resources"] and "resourceNames" in rule]
    assert named["verbs"] == ["get"]  # reading the datastores Secrets tenants name
    named["resourceNames"] = ["rookery-datastores", "other-datastores"]
    # the other Secret rule (create/patch: the tenants' keys Secrets the operator makes) is unchanged
    assert rules == expected


def test_operator_deployment_is_restricted_probed_and_bounded(helm: pathlib.Path) -> None:
    docs = template(helm, OPERATOR_CHART, release="rookery-operator", namespace="rookery-system")
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = _container(deployment)
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["resources"]["limits"]["memory"] == "512Mi"
    assert container["resources"]["requests"]["cpu"] == "100m"
    chart = yaml.safe_load((OPERATOR_CHART / "Chart.yaml").read_text())
    assert container["image"] == f"ghcr.io/rookery-social/rookery:{chart['appVersion']}"
    assert container["command"] == ["rookery", "operator"]
    assert "--peering=rookery-operator" in container["args"]
    assert "--metrics-port=9108" in container["args"]
    # as operator/deploy: an active replica and a standby (Kopf peering, identity the pod's name),
    # rolled one surge pod at a time, a drain taking one at a time, preferably on two nodes
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    assert {"name": "POD_ID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}} in container["env"]
    assert pod["terminationGracePeriodSeconds"] == 30
    spread = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert spread["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert spread["podAffinityTerm"]["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    budget = one(docs, "PodDisruptionBudget")
    assert budget["spec"] == {"maxUnavailable": 1, "selector": deployment["spec"]["selector"]}
    peering = one(docs, "ClusterKopfPeering")
    assert peering["metadata"]["name"] == "rookery-operator"
    service = one(docs, "Service")
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 9108, "targetPort": "metrics"}]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert by_kind(docs, "ServiceMonitor") == []


def test_operator_values_image_standalone_namespaces_and_service_monitor(helm: pathlib.Path) -> None:
    docs = template(
        helm,
        OPERATOR_CHART,
        release="ops",
        namespace="ops",
        sets={
            "image.repository": "registry.example/rookery",
            "image.tag": "1.2.3",
            "peering.enabled": "false",
            "watchNamespaces[0]": "tenant-a",
            "watchNamespaces[1]": "tenant-b",
            "metrics.serviceMonitor.enabled": "true",
            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
            ".matchExpressions[0].key": "pool",
        },
    )
    deployment = one(docs, "Deployment")
    container = _container(deployment)
    assert container["image"] == "registry.example/rookery:1.2.3"
    # standalone: exactly one operator, never two at once (even with replicaCount 2), no budget
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert by_kind(docs, "PodDisruptionBudget") == []
    assert list(deployment["spec"]["template"]["spec"]["affinity"]) == ["nodeAffinity"]  # the values' own
    assert "--standalone" in container["args"]
    assert not any(a.startswith("--peering") for a in container["args"])
    assert [a for a in container["args"] if a.startswith("--namespace")] == [
        "--namespace=tenant-a",
        "--namespace=tenant-b",
    ]
    assert by_kind(docs, "ClusterKopfPeering") == []
    monitor = one(docs, "ServiceMonitor")
    service = one(docs, "Service")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"


def test_peering_in_watched_namespaces_when_not_watching_all(helm: pathlib.Path) -> None:
    """Kopf peers through a KopfPeering in each watched namespace; the chart makes them."""
    docs = template(
        helm,
        OPERATOR_CHART,
        release="rookery-operator",
        namespace="rookery-system",
        sets={"watchNamespaces[0]": "tenant-a", "watchNamespaces[1]": "tenant-b"},
    )
    assert by_kind(docs, "ClusterKopfPeering") == []
    peerings = by_kind(docs, "KopfPeering")
    assert [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in peerings] == [
        ("tenant-a", "rookery-operator"),
        ("tenant-b", "rookery-operator"),
    ]
    assert "--peering=rookery-operator" in _container(one(docs, "Deployment"))["args"]
    assert by_kind(docs, "Role") == []  # the ClusterRole covers kopfpeerings
    # the ClusterRole stays exactly operator/deploy's
    assert one(docs, "ClusterRole")["rules"] == _source_rules()


@pytest.mark.parametrize(
    ("sets", "complaint"),
    [
        ({"image.pullPolicy": "Sometimes"}, "pullPolicy"),
        ({"replicaCount": "7"}, "replicaCount"),
        ({"rbac.extraSecretNames[0]": "Not_A_Name"}, "extraSecretNames"),
        ({"unknownKey": "1"}, "unknownKey"),
    ],
)
def test_operator_schema_rejects_bad_values(helm: pathlib.Path, sets: dict, complaint: str) -> None:
    with pytest.raises(HelmFailed) as failed:
        template(helm, OPERATOR_CHART, sets=sets)
    assert complaint in failed.value.stderr


# ------------------------------------------------------------------------------- platform chart


def test_platform_defaults_render_one_tenant_from_values(helm: pathlib.Path) -> None:
    docs = template(helm, PLATFORM_CHART, release="birdhouse", namespace="social")
    assert [d["kind"] for d in docs] == ["SocialTenant"]
    tenant = docs[0]
    chart = yaml.safe_load((PLATFORM_CHART / "Chart.yaml").read_text())
    assert tenant["apiVersion"] == "rookery.dev/v1alpha1"
    assert tenant["metadata"] == {
        "name": "birdhouse",
        "namespace": "social",
        "labels": tenant["metadata"]["labels"],
    }
    spec = tenant["spec"]
    assert spec["image"] == f"ghcr.io/rookery-social/rookery:{chart['appVersion']}"
    assert spec["host"] == "social.example.org"
    assert spec["topology"] == "monolith"
    assert spec["workloads"]["replicas"] == 2
    assert spec["kafka"] == {"partitions": 6, "replicationFactor": 3, "retentionHours": 168}
    assert "roles" not in spec and "settings" not in spec  # empty sections: the CRD's defaults
    assert spec["datastores"]["postgres"] == {"name": "rookery-datastores", "key": "postgres-dsn"}
    assert {ref["name"] for ref in spec["datastores"].values()} == {"rookery-datastores"}
    assert len(spec["datastores"]) == 6


def test_platform_values_reach_the_tenant(helm: pathlib.Path) -> None:
    docs = template(
        helm,
        PLATFORM_CHART,
        sets={
            "tenant.name": "aviary",
            "tenant.host": "aviary.example.net",
            "tenant.image.tag": "9.9.9",
            "tenant.topology": "split",
            "tenant.roles.gateway.replicas": "4",
            "tenant.settings.INSTANCE_TITLE": "Aviary",
            "tenant.features.fanoutThreshold": "250",
            "datastores.secretName": "aviary-stores",
        },
    )
    spec = one(docs, "SocialTenant")["spec"]
    assert one(docs, "SocialTenant")["metadata"]["name"] == "aviary"
    assert spec["host"] == "aviary.example.net"
    assert spec["image"].endswith(":9.9.9")
    assert spec["topology"] == "split"
    assert spec["roles"] == {"gateway": {"replicas": 4}}
    assert spec["settings"] == {"INSTANCE_TITLE": "Aviary"}
    assert spec["features"]["fanoutThreshold"] == 250
    assert {ref["name"] for ref in spec["datastores"].values()} == {"aviary-stores"}
    assert by_kind(docs, "Secret") == []


def test_platform_gpu_values_render_shards_covering_the_hash_space_and_gpu_models(
    helm: pathlib.Path,
) -> None:
    docs = template(helm, PLATFORM_CHART, release="birdhouse", values=(GPU_VALUES,))
    shards = by_kind(docs, "FeedShard")
    assert [s["metadata"]["name"] for s in shards] == ["birdhouse-feed-0", "birdhouse-feed-1"]
    ranges = [(s["spec"]["hashRange"]["start"], s["spec"]["hashRange"]["end"]) for s in shards]
    assert ranges == [(0, HASH_SPACE // 2), (HASH_SPACE // 2, HASH_SPACE)]
    assert all(s["spec"]["tenantRef"] == {"name": "birdhouse"} for s in shards)
    assert all(s["spec"]["partitions"] == 6 and s["spec"]["replicas"] == 2 for s in shards)
    models = {m["metadata"]["name"]: m["spec"] for m in by_kind(docs, "ModelDeployment")}
    assert set(models) == {"birdhouse-moderation", "birdhouse-ranking", "birdhouse-embedding"}
    assert models["birdhouse-ranking"]["resources"]["gpu"] == 1
    assert models["birdhouse-ranking"]["canaryTrafficPercent"] == 10
    assert models["birdhouse-moderation"]["modelFormat"] == {"name": "sklearn", "version": "1"}
    assert "name" not in models["birdhouse-ranking"]
    assert all(m["tenantRef"] == {"name": "birdhouse"} for m in models.values())
    tenant = one(docs, "SocialTenant")["spec"]
    assert tenant["topology"] == "split" and tenant["features"]["ranking"] is True


@pytest.mark.parametrize("count", [1, 3, 7])
def test_feed_shards_split_the_hash_space_without_gaps(helm: pathlib.Path, count: int) -> None:
    docs = template(helm, PLATFORM_CHART, sets={"feedShards.count": str(count)})
    ranges = [
        (s["spec"]["hashRange"]["start"], s["spec"]["hashRange"]["end"]) for s in by_kind(docs, "FeedShard")
    ]
    assert len(ranges) == count
    assert ranges[0][0] == 0 and ranges[-1][1] == HASH_SPACE
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert all(start < end for start, end in ranges)


def test_platform_datastores_secret_when_asked(helm: pathlib.Path) -> None:
    keys = DATASTORE_KEYS
    sets = datastore_sets(lambda k: f"value-of-{k}")
    secret = one(template(helm, PLATFORM_CHART, sets=sets), "Secret")
    assert secret["metadata"]["name"] == "rookery-datastores"
    assert secret["stringData"] == {k: f"value-of-{k}" for k in keys}
    with pytest.raises(HelmFailed) as failed:
        template(helm, PLATFORM_CHART, sets={"datastores.create": "true"})
    assert "datastores.values.postgres-dsn is required" in failed.value.stderr


@pytest.mark.parametrize(
    ("sets", "complaint"),
    [
        ({"tenant.topology": "mesh"}, "topology"),
        ({"tenant.host": "Not A Host"}, "host"),
        ({"models[0].name": "x", "models[0].task": "chat", "models[0].storageUri": "s3://m"}, "task"),
        ({"feedShards.count": "-1"}, "count"),
    ],
)
def test_platform_schema_rejects_bad_values(helm: pathlib.Path, sets: dict, complaint: str) -> None:
    with pytest.raises(HelmFailed) as failed:
        template(helm, PLATFORM_CHART, sets=sets)
    assert complaint in failed.value.stderr
