"""Deployments: the monolith or one per role, one per worker, and each FeedShard's fan-out worker."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import (
    Component,
    Shard,
    Tenant,
    components,
    content_hash,
    labels,
    metadata,
    public_component,
    selector,
)
from rookery.operator.render.configmaps import config_hash, config_map_name
from rookery.operator.render.pods import pod_template
from rookery.operator.render.secrets import keys_secret_name


def _deployment(
    meta: dict[str, Any], match: dict[str, str], replicas: int | None, template: dict[str, Any]
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": match},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "revisionHistoryLimit": 5,
        "template": template,
    }
    if replicas is not None:  # with an autoscaler, the HPA owns the replica count
        spec = {"replicas": replicas, **spec}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def component_deployment(tenant: Tenant, comp: Component, hash_: str) -> dict[str, Any]:
    template = pod_template(
        labels=labels(tenant.name, comp.component),
        spec=tenant.spec,
        args=list(comp.args),
        config_map=config_map_name(tenant.name),
        config_hash=hash_,
        res=comp.workload.resources,
        keys_secret=keys_secret_name(tenant.name),
    )
    replicas = None if comp.workload.autoscaling.enabled else comp.workload.replicas
    meta = metadata(tenant.owner, comp.name, tenant.name, comp.component)
    return _deployment(meta, selector(tenant.name, comp.component), replicas, template)


def tenant_deployments(tenant: Tenant) -> list[dict[str, Any]]:
    public = public_component(tenant)
    edge, inner = config_hash(tenant), config_hash(tenant, public_edge=False)
    return [component_deployment(tenant, comp, edge if comp.name == public else inner) for comp in components(tenant)]


def shard_env(shard: Shard) -> list[dict[str, Any]]:
    info = shard.info  # the same values its ROOKERY_FEED_SHARDS entry carries (the readers route by it)
    values = {
        "ROOKERY_FEED_SHARD": shard.name,
        "ROOKERY_FEED_SHARD_RANGE": f"{info.start}-{info.end}",
        "ROOKERY_FANOUT_TOPIC": shard.topic,
        "ROOKERY_FANOUT_CONSUMER_GROUP": shard.consumer_group,
        "ROOKERY_TIMELINE_TABLE": info.table,
        "ROOKERY_TIMELINE_TTL_SECONDS": str(info.ttl_s),
        "ROOKERY_TIMELINE_BUCKET_DAYS": str(info.bucket_days),
        "ROOKERY_REDIS_KEY_PREFIX": info.redis_prefix,
        "ROOKERY_HOME_TIMELINE_MAX": str(info.length),
        "ROOKERY_REDIS_TIMELINE_TTL_SECONDS": str(info.redis_ttl_s),
    }
    return [{"name": k, "value": v} for k, v in values.items()]


def shard_deployment(shard: Shard) -> dict[str, Any]:
    tenant, component = shard.tenant, f"fanout-{shard.name}"
    env = shard_env(shard)
    hash_ = content_hash([config_hash(tenant, public_edge=False), env])[:16]
    template = pod_template(
        labels={**labels(tenant.name, component), "rookery.dev/feed-shard": shard.name},
        spec=tenant.spec,
        args=["worker", "fanout"],
        config_map=config_map_name(tenant.name),
        config_hash=hash_,
        res=shard.spec.resources,
        extra_env=env,
        keys_secret=keys_secret_name(tenant.name),
    )
    meta = metadata(shard.owner, f"{shard.name}-fanout", tenant.name, component)
    meta["labels"]["rookery.dev/feed-shard"] = shard.name
    return _deployment(meta, selector(tenant.name, component), shard.spec.replicas, template)
