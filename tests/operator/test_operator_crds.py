"""The committed CRDs are what `rookery crds` generates, and they are valid structural schemas."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml

from rookery.operator import crdgen
from rookery.operator.models import FeedShardSpec, ModelDeploymentSpec, SocialTenantSpec

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRDS = ROOT / "crds"


@pytest.mark.parametrize("crd", crdgen.definitions(), ids=crdgen.file_name)
def test_committed_crd_is_current(crd: dict[str, Any]) -> None:
    committed = CRDS / crdgen.file_name(crd)
    assert committed.read_text() == crdgen.render_yaml(crd), "crds/ is stale: run `make crds` and commit"


def _walk(node: Any, path: str = "") -> list[str]:
    """Every place that breaks Kubernetes' structural-schema rules."""
    problems = []
    if not isinstance(node, dict):
        return problems
    for banned in ("$ref", "anyOf", "oneOf", "allOf", "title", "propertyNames", "const"):
        if banned in node and not (banned == "anyOf" and node.get("x-kubernetes-int-or-string")):
            problems.append(f"{path}: {banned}")
    untyped_ok = node.get("x-kubernetes-int-or-string") or node.get("x-kubernetes-preserve-unknown-fields")
    if "type" not in node and not untyped_ok:
        problems.append(f"{path}: no type")
    if (
        "description" not in node
        and path.count("/properties/") in (1, 2)  # spec, status and their fields: what kubectl explain shows
        and path.rsplit("/", 2)[-2] == "properties"
        and not path.endswith(("metadata", "kind", "apiVersion"))
    ):
        problems.append(f"{path}: no description")
    for key, child in (node.get("properties") or {}).items():
        problems += _walk(child, f"{path}/properties/{key}")
    if isinstance(node.get("additionalProperties"), dict):
        problems += _walk(node["additionalProperties"], f"{path}/additionalProperties")
    if isinstance(node.get("items"), dict):
        problems += _walk(node["items"], f"{path}/items")
    return problems


@pytest.mark.parametrize("crd", crdgen.definitions(), ids=crdgen.file_name)
def test_schema_is_structural_and_described(crd: dict[str, Any]) -> None:
    version = crd["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert {c["name"] for c in version["additionalPrinterColumns"]} >= {"Ready", "Age"}
    assert _walk(version["schema"]["openAPIV3Schema"], "/") == []


def test_cel_rules_and_defaults_reach_the_schema() -> None:
    tenant = crdgen.schema_of(SocialTenantSpec)
    messages = [v["message"] for v in tenant["x-kubernetes-validations"]]
    assert any("only apply with topology: split" in m for m in messages)
    assert tenant["properties"]["retentionPolicy"]["default"] == "Retain"
    assert tenant["properties"]["datastores"]["default"]["kafka"] == {
        "name": "rookery-datastores",
        "key": "kafka-bootstrap",
    }
    replication = tenant["properties"]["cassandra"]["properties"]["replication"]
    assert any("SimpleStrategy needs" in v["message"] for v in replication["x-kubernetes-validations"])
    quantity = tenant["properties"]["workloads"]["properties"]["resources"]["properties"]["limits"]
    assert quantity["additionalProperties"] == {"x-kubernetes-int-or-string": True}
    shard = crdgen.schema_of(FeedShardSpec)
    assert shard["properties"]["hashRange"]["x-kubernetes-validations"][0]["rule"] == "self.start < self.end"
    model = crdgen.schema_of(ModelDeploymentSpec)
    assert "image" in model["properties"] and "storageUri" in model["required"]


def test_crds_command_prints_every_definition(capsys: pytest.CaptureFixture[str]) -> None:
    assert crdgen.main([]) == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    assert [d["spec"]["names"]["kind"] for d in docs] == ["SocialTenant", "FeedShard", "ModelDeployment"]


def test_examples_parse_through_the_models() -> None:
    specs = {
        "SocialTenant": SocialTenantSpec,
        "FeedShard": FeedShardSpec,
        "ModelDeployment": ModelDeploymentSpec,
    }
    seen = set()
    for path in sorted((CRDS / "examples").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc["kind"] in specs:
                specs[doc["kind"]].model_validate(doc["spec"])
                seen.add(doc["kind"])
    assert seen == set(specs)
