"""ArgoCD applications (sync order, automation, project) and the pipeline's revision bump."""

from __future__ import annotations

import pathlib
import shutil
from typing import Any

import pytest
import yaml
from delivery_support import (
    ARGOCD,
    GPU_VALUES,
    OPERATOR_CHART,
    PLATFORM_CHART,
    ROOT,
    chart_script,
    datastore_sets,
    template,
)


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((ARGOCD / name).read_text())


def _bump_module() -> Any:
    return chart_script("bump")


def _wave(doc: dict[str, Any]) -> int:
    return int(doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


def test_operator_syncs_before_the_platform_both_automated() -> None:
    operator, platform = _load("rookery-operator.yaml"), _load("rookery-platform.yaml")
    project = _load("project.yaml")
    assert _wave(project) < _wave(operator) < _wave(platform)
    for app in (operator, platform):
        assert app["kind"] == "Application" and app["apiVersion"] == "argoproj.io/v1alpha1"
        assert app["spec"]["project"] == project["metadata"]["name"]
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert "CreateNamespace=true" in app["spec"]["syncPolicy"]["syncOptions"]
        source = app["spec"]["source"]
        chart = ROOT / source["path"]
        assert (chart / "Chart.yaml").is_file(), source["path"]
        for values in source["helm"]["valueFiles"]:
            assert (chart / values).is_file()
        assert source["repoURL"] in project["spec"]["sourceRepos"]
        destination = app["spec"]["destination"]
        assert {"server": destination["server"], "namespace": destination["namespace"]} in project["spec"][
            "destinations"
        ]
    assert operator["spec"]["source"]["path"] == "platform-charts/rookery-operator"
    assert "ServerSideApply=true" in operator["spec"]["syncPolicy"]["syncOptions"]
    assert platform["spec"]["source"]["path"] == "platform-charts/rookery-platform"
    ns_labels = operator["spec"]["syncPolicy"]["managedNamespaceMetadata"]["labels"]
    assert ns_labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_project_allows_exactly_the_cluster_kinds_the_operator_chart_installs() -> None:
    allowed = {(k["group"], k["kind"]) for k in _load("project.yaml")["spec"]["clusterResourceWhitelist"]}
    assert ("apiextensions.k8s.io", "CustomResourceDefinition") in allowed
    assert ("rbac.authorization.k8s.io", "ClusterRole") in allowed
    assert ("kopf.dev", "ClusterKopfPeering") in allowed
    assert all(kind != "*" for _, kind in allowed)


def test_project_admits_every_kind_the_charts_render(helm: pathlib.Path) -> None:
    spec = _load("project.yaml")["spec"]
    cluster = {(k["group"], k["kind"]) for k in spec["clusterResourceWhitelist"]}
    namespaced = {(k["group"], k["kind"]) for k in spec["namespaceResourceWhitelist"]}
    docs = [
        *template(
            helm,
            OPERATOR_CHART,
            include_crds=True,
            sets={
                "metrics.serviceMonitor.enabled": "true",
                "monitoring.podMonitor.enabled": "true",
                "monitoring.prometheusRule.enabled": "true",
                "monitoring.dashboards.enabled": "true",
            },
        ),
        *template(helm, OPERATOR_CHART, sets={"watchNamespaces[0]": "rookery"}),
        *template(helm, PLATFORM_CHART, values=(GPU_VALUES,)),
        *template(helm, PLATFORM_CHART, sets=datastore_sets()),
    ]
    for doc in docs:
        group = doc["apiVersion"].rpartition("/")[0]
        key = (group, doc["kind"])
        allowed = namespaced if "namespace" in doc["metadata"] else cluster
        assert key in allowed, f"the AppProject refuses {key}"


def test_kustomization_and_root_app_cover_every_application() -> None:
    kustomization = _load("kustomization.yaml")
    on_disk = {p.name for p in ARGOCD.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == on_disk
    root = _load("bootstrap/root.yaml")
    assert root["spec"]["source"]["path"] == "platform-charts/argocd"
    assert root["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}


def test_bump_pins_revision_and_image_tag_and_keeps_comments(tmp_path: pathlib.Path) -> None:
    shutil.copytree(ARGOCD, tmp_path / "argocd")
    bump = _bump_module()
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert (
        bump.main(["--revision", sha, "--image-tag", "0.2.0-0123456789ab"], argocd=tmp_path / "argocd") == 0
    )
    for name, parameter in bump.TAG_PARAMETERS.items():
        text = (tmp_path / "argocd" / name).read_text()
        assert text.splitlines()[0] == (ARGOCD / name).read_text().splitlines()[0]  # comments kept
        app = yaml.safe_load(text)
        assert app["spec"]["source"]["targetRevision"] == sha
        params = {p["name"]: p["value"] for p in app["spec"]["source"]["helm"]["parameters"]}
        assert params == {parameter: "0.2.0-0123456789ab"}
        original = yaml.safe_load((ARGOCD / name).read_text())
        app["spec"]["source"]["targetRevision"] = original["spec"]["source"]["targetRevision"]
        app["spec"]["source"]["helm"]["parameters"] = original["spec"]["source"]["helm"]["parameters"]
        assert app == original  # nothing else moved


def test_bump_refuses_what_is_not_a_revision(tmp_path: pathlib.Path) -> None:
    shutil.copytree(ARGOCD, tmp_path / "argocd")
    bump = _bump_module()
    with pytest.raises(SystemExit):
        bump.main(["--revision", "main\nevil: 1", "--image-tag", "1"], argocd=tmp_path / "argocd")
    assert (tmp_path / "argocd" / "rookery-operator.yaml").read_text() == (
        ARGOCD / "rookery-operator.yaml"
    ).read_text()
