"""What the renderer tests share: the example custom resources (crds/examples/) as renderers see them.

Renderers are pure: a custom resource in, manifests / topics / CQL out. No cluster here."""

from __future__ import annotations

import pathlib
from typing import Any

import yaml

from rookery.operator.models import FeedShardSpec, ModelDeploymentSpec, SocialTenantSpec
from rookery.operator.render.common import Model, Owner, Shard, Tenant

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "crds" / "examples"


def example(file: str, index: int = 0) -> dict[str, Any]:
    return list(yaml.safe_load_all((EXAMPLES / file).read_text()))[index]


def tenant(**changes: Any) -> Tenant:
    """crds/examples/tenant.yaml ("birdhouse": split topology, autoscaled gateway), with changes."""
    spec = example("tenant.yaml")["spec"] | changes
    return Tenant(
        Owner("SocialTenant", "birdhouse", "social", "uid-1"), SocialTenantSpec.model_validate(spec)
    )


def monolith() -> Tenant:
    spec = SocialTenantSpec(image="rookery:1", host="tiny.example.org")
    return Tenant(Owner("SocialTenant", "tiny", "default", "uid-2"), spec)


def by_name(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs}


def shard() -> Shard:
    doc = example("feedshards.yaml", 1)
    return Shard(
        Owner("FeedShard", doc["metadata"]["name"], "social", "uid-s"),
        FeedShardSpec.model_validate(doc["spec"]),
        tenant(),
    )


def model(index: int) -> Model:
    doc = example("models.yaml", index)
    return Model(
        Owner("ModelDeployment", doc["metadata"]["name"], "social", "uid-m"),
        ModelDeploymentSpec.model_validate(doc["spec"]),
    )
