"""What every renderer shares: the tenant as renderers see it, names, labels, owner references."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from rookery.operator import API_VERSION, FIELD_MANAGER
from rookery.operator.models import (
    ROLES,
    WORKERS,
    FeedShardSpec,
    ModelDeploymentSpec,
    SocialTenantSpec,
    Workload,
    WorkloadOverride,
)

HTTP_PORT = 8080
TENANT_LABEL = "rookery.dev/tenant"
MANAGED_BY = {"app.kubernetes.io/managed-by": FIELD_MANAGER}
CONFIG_HASH_ANNOTATION = "rookery.dev/config-hash"


@dataclasses.dataclass(frozen=True)
class Owner:
    """The custom resource that owns a child (controller owner reference)."""

    kind: str
    name: str
    namespace: str
    uid: str

    def reference(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": self.kind,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }


def shard_table_name(shard: str) -> str:
    """A FeedShard's home timeline table (with ``<table>_days`` and ``<table>_by_status``)."""
    return "home_timeline_" + shard.replace("-", "_").replace(".", "_")


def shard_redis_prefix(tenant: str, shard: str, spec: FeedShardSpec) -> str:
    return spec.redis.keyPrefix or f"{tenant}:feed:{shard}:"


@dataclasses.dataclass(frozen=True)
class ShardInfo:
    """A FeedShard as its tenant's ConfigMap carries it (ROOKERY_FEED_SHARDS): its users and where
    their home timelines live, so every reader finds them (the shard's worker gets the same values)."""

    name: str
    start: int
    end: int
    table: str
    ttl_s: int
    bucket_days: int
    redis_prefix: str
    redis_ttl_s: int
    length: int

    @classmethod
    def of(cls, tenant: str, name: str, spec: FeedShardSpec) -> ShardInfo:
        return cls(
            name,
            spec.hashRange.start,
            spec.hashRange.end,
            shard_table_name(name),
            spec.timeline.ttlDays * 86400,
            spec.timeline.bucketDays,
            shard_redis_prefix(tenant, name, spec),
            spec.redis.ttlSeconds,
            spec.redis.timelineLength,
        )

    def render(self) -> str:
        """``name=start-end;table=..;ttl_s=..;bucket_days=..;prefix=..;redis_ttl_s=..;max=..`` (the prefix
        percent-encoded): what rookery.workloads.domain.shards.parse_shards reads."""
        prefix = urllib.parse.quote(self.redis_prefix, safe=":-_.")
        return (
            f"{self.name}={self.start}-{self.end};table={self.table};ttl_s={self.ttl_s}"
            f";bucket_days={self.bucket_days};prefix={prefix};redis_ttl_s={self.redis_ttl_s};max={self.length}"
        )


@dataclasses.dataclass(frozen=True)
class Tenant:
    """A SocialTenant as the renderers see it, with what is attached to it."""

    owner: Owner
    spec: SocialTenantSpec
    shards: tuple[ShardInfo, ...] = ()
    model_endpoints: Mapping[str, str] = dataclasses.field(default_factory=dict)  # variable -> URL

    @property
    def name(self) -> str:
        return self.owner.name

    @property
    def namespace(self) -> str:
        return self.owner.namespace

    @property
    def keyspace(self) -> str:
        return self.spec.cassandra.keyspace or self.name.replace("-", "_")

    @property
    def endpoint(self) -> str:
        return f"https://{self.spec.host}"


@dataclasses.dataclass(frozen=True)
class Shard:
    owner: Owner
    spec: FeedShardSpec
    tenant: Tenant

    @property
    def name(self) -> str:
        return self.owner.name

    @property
    def topic(self) -> str:
        return f"{self.tenant.name}.fanout.{self.name}"

    @property
    def consumer_group(self) -> str:
        return f"{self.tenant.name}.fanout.{self.name}"

    @property
    def info(self) -> ShardInfo:
        return ShardInfo.of(self.tenant.name, self.name, self.spec)

    @property
    def table(self) -> str:
        return self.info.table

    @property
    def redis_prefix(self) -> str:
        return self.info.redis_prefix


@dataclasses.dataclass(frozen=True)
class Model:
    owner: Owner
    spec: ModelDeploymentSpec

    @property
    def name(self) -> str:
        return self.owner.name


@dataclasses.dataclass(frozen=True)
class Component:
    """One Deployment of a tenant: the monolith, a role, or a worker."""

    name: str  # Deployment name
    component: str  # app.kubernetes.io/component
    args: tuple[str, ...]  # after the `rookery` entry point
    workload: Workload
    serving: bool  # has a Service and takes HTTP traffic


def labels(tenant: str, component: str | None = None) -> dict[str, str]:
    out = {
        "app.kubernetes.io/name": "rookery",
        "app.kubernetes.io/instance": tenant,
        TENANT_LABEL: tenant,
        **MANAGED_BY,
    }
    if component:
        out["app.kubernetes.io/component"] = component
    return out


def selector(tenant: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/instance": tenant, "app.kubernetes.io/component": component}


def metadata(owner: Owner, name: str, tenant: str, component: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": owner.namespace,
        "labels": labels(tenant, component),
        "ownerReferences": [owner.reference()],
    }


def resolve(base: Workload, override: WorkloadOverride | None) -> Workload:
    if override is None:
        return base
    return Workload(
        replicas=base.replicas if override.replicas is None else override.replicas,
        resources=override.resources or base.resources,
        autoscaling=override.autoscaling or base.autoscaling,
    )


def components(tenant: Tenant) -> list[Component]:
    """Every Deployment of the tenant, in a stable order: serving workloads first, then workers."""
    spec, name = tenant.spec, tenant.name
    out: list[Component] = []
    if spec.topology == "monolith":
        out.append(
            Component(f"{name}-platform", "platform", ("serve", "--role", "all"), spec.workloads, True)
        )
    else:
        for role in ROLES:
            workload = resolve(spec.workloads, spec.roles.get(role))
            out.append(Component(f"{name}-{role}", role, ("serve", "--role", role), workload, True))
    for worker in WORKERS:
        if worker == "moderation" and not spec.features.moderation:
            continue
        base = Workload(replicas=1, resources=spec.workloads.resources)
        workload = resolve(base, spec.workers.get(worker))
        out.append(
            Component(f"{name}-worker-{worker}", f"worker-{worker}", ("worker", worker), workload, False)
        )
    return out


def public_component(tenant: Tenant) -> str:
    return f"{tenant.name}-platform" if tenant.spec.topology == "monolith" else f"{tenant.name}-gateway"


def content_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
