"""`rookery crds`: the CustomResourceDefinitions, generated from the pydantic models.

Pydantic's JSON Schema is turned into a Kubernetes structural schema: $refs inlined, titles
dropped, Optional[X] made plain X (absent means unset), int-or-string quantities marked, and the
models' CEL rules carried as x-kubernetes-validations.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

import yaml
from pydantic import BaseModel

from rookery.operator import GROUP, VERSION
from rookery.operator.models import (
    FeedShardSpec,
    FeedShardStatus,
    ModelDeploymentSpec,
    ModelDeploymentStatus,
    SocialTenantSpec,
    SocialTenantStatus,
)

_DROP = {"title"}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _inline(merged, defs)
    return {k: _inline(v, defs) for k, v in node.items() if k not in _DROP and k != "$defs"}


def _structural(node: Any) -> Any:
    """Rewrite the JSON-Schema constructs Kubernetes does not accept in a structural schema."""
    if isinstance(node, list):
        return [_structural(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "anyOf" in node:
        variants = [v for v in node["anyOf"] if v.get("type") != "null"]
        types = {v.get("type") for v in variants}
        if node.get("x-kubernetes-int-or-string") or types == {"integer", "string"}:
            node.pop("anyOf")
            node["x-kubernetes-int-or-string"] = True
            node.pop("default", None) if node.get("default") is None else None
        elif len(variants) == 1:
            # Optional[X]: absent means unset, so the schema is X's (without a null default)
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            if rest.get("default", 0) is None:
                rest.pop("default")
            node = {**variants[0], **rest}
        else:
            raise ValueError(f"cannot express anyOf {variants} in a structural schema")
    if node.get("default", 0) is None:
        node.pop("default")
    if "const" in node:
        node["enum"] = [node.pop("const")]
    node.pop("propertyNames", None)  # not structural; keys are checked by CEL rules instead
    if node.get("additionalProperties") is False:
        node.pop("additionalProperties")  # structural schemas prune unknown fields anyway
    if "properties" in node:
        node["type"] = "object"
        node["properties"] = {k: _structural(v) for k, v in node["properties"].items()}
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = _structural(node["additionalProperties"])
    if "items" in node:
        node["items"] = _structural(node["items"])
    if "enum" in node and "type" not in node:
        node["type"] = "string"
    return node


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema(mode="validation")
    return _structural(_inline(raw, raw.get("$defs", {})))


def _crd(
    kind: str,
    plural: str,
    short: list[str],
    spec: type[BaseModel],
    status: type[BaseModel],
    description: str,
    columns: list[dict[str, Any]],
) -> dict[str, Any]:
    root = {
        "type": "object",
        "description": description,
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string", "description": "rookery.dev/v1alpha1"},
            "kind": {"type": "string", "description": kind},
            "metadata": {"type": "object"},
            "spec": schema_of(spec),
            "status": schema_of(status),
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}", "labels": {"app.kubernetes.io/part-of": "rookery"}},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": short,
                "categories": ["rookery"],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [*columns, _AGE],
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def _ready(description: str) -> dict[str, Any]:
    return {
        "name": "Ready",
        "type": "string",
        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
        "description": description,
    }


def definitions() -> list[dict[str, Any]]:
    phase = {"name": "Phase", "type": "string", "jsonPath": ".status.phase"}
    return [
        _crd(
            "SocialTenant",
            "socialtenants",
            ["tenant", "tenants"],
            SocialTenantSpec,
            SocialTenantStatus,
            "A running Rookery platform: Deployments per role, its Kafka topics and Cassandra keyspace.",
            [
                phase,
                _ready("Every dependency and workload is ready."),
                {"name": "Topology", "type": "string", "jsonPath": ".spec.topology"},
                {
                    "name": "Workloads",
                    "type": "string",
                    "jsonPath": ".status.workloads",
                    "description": "Ready Deployments over desired.",
                },
                {
                    "name": "Partitions",
                    "type": "integer",
                    "jsonPath": ".spec.kafka.partitions",
                    "priority": 1,
                },
                {"name": "Endpoint", "type": "string", "jsonPath": ".status.endpoint", "priority": 1},
            ],
        ),
        _crd(
            "FeedShard",
            "feedshards",
            ["shard", "shards"],
            FeedShardSpec,
            FeedShardStatus,
            "One slice of a tenant's feed: its fan-out worker, topic partitions, consumer group, table.",
            [
                {"name": "Tenant", "type": "string", "jsonPath": ".spec.tenantRef.name"},
                phase,
                _ready("Topic, table and fan-out worker are ready."),
                {"name": "Partitions", "type": "integer", "jsonPath": ".spec.partitions"},
                {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
            ],
        ),
        _crd(
            "ModelDeployment",
            "modeldeployments",
            ["model", "models"],
            ModelDeploymentSpec,
            ModelDeploymentStatus,
            "A model served by KServe (an InferenceService); its URL lands in the tenant's settings.",
            [
                {"name": "Tenant", "type": "string", "jsonPath": ".spec.tenantRef.name"},
                {"name": "Task", "type": "string", "jsonPath": ".spec.task"},
                _ready("The InferenceService is Ready."),
                {"name": "Canary", "type": "integer", "jsonPath": ".spec.canaryTrafficPercent"},
                {"name": "URL", "type": "string", "jsonPath": ".status.url", "priority": 1},
            ],
        ),
    ]


def render_yaml(crd: dict[str, Any]) -> str:
    header = "# Generated by `rookery crds` from rookery/operator/models.py; do not edit by hand.\n"
    return header + yaml.safe_dump(crd, sort_keys=False, width=120)


def file_name(crd: dict[str, Any]) -> str:
    return f"{crd['metadata']['name'].split('.')[0]}.yaml"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rookery crds", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, help="write one file per CRD into this directory")
    args = parser.parse_args(argv)
    crds = definitions()
    if args.out is None:
        sys.stdout.write("---\n".join(render_yaml(crd) for crd in crds))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for crd in crds:
        (args.out / file_name(crd)).write_text(render_yaml(crd))
        print(f"wrote {args.out / file_name(crd)}")
    return 0
