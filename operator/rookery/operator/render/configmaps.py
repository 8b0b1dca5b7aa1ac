"""The tenant's ConfigMap: every non-secret ROOKERY_* setting the pods read (envFrom)."""

from __future__ import annotations

from typing import Any

from rookery.operator.models import ROLES
from rookery.operator.render.common import HTTP_PORT, Tenant, content_hash, metadata


def config_map_name(tenant: str) -> str:
    return f"{tenant}-config"


def settings(tenant: Tenant) -> dict[str, str]:
    spec = tenant.spec
    data = {
        "ROOKERY_TENANT": tenant.name,
        "ROOKERY_TOPOLOGY": spec.topology,
        "ROOKERY_HOST": "0.0.0.0",
        "ROOKERY_PORT": str(HTTP_PORT),
        "ROOKERY_PUBLIC_URL": tenant.endpoint,
        "ROOKERY_DOMAIN": spec.host,
        "ROOKERY_LOG_LEVEL": spec.logLevel,
        "ROOKERY_CASSANDRA_KEYSPACE": tenant.keyspace,
        "ROOKERY_FANOUT_THRESHOLD": str(spec.features.fanoutThreshold),
        "ROOKERY_HOME_TIMELINE_MAX": str(spec.features.homeTimelineMax),
        "ROOKERY_MODERATION_ENABLED": str(spec.features.moderation).lower(),
        # a pod serving models in-process (no ModelDeployment) loads them as it starts, not on the
        # first post after each rollout (seconds of the interpreter's lock, those posts unmoderated)
        "ROOKERY_MODELS_WARM_UP": "true",
        "ROOKERY_RANKING_ENABLED": str(spec.features.ranking).lower(),
        # spec.rateLimits are per minute: each class's bucket refills its capacity every 60 s
        "ROOKERY_RATE_LIMIT_REQUESTS": str(spec.rateLimits.perIp),
        "ROOKERY_RATE_LIMIT_ACCOUNT_REQUESTS": str(spec.rateLimits.perAccount),
        "ROOKERY_RATE_LIMIT_PERIOD_S": "60",
        "ROOKERY_RATE_LIMIT_AUTH_REQUESTS": str(spec.rateLimits.authentication),
        "ROOKERY_RATE_LIMIT_AUTH_PERIOD_S": "60",
        "ROOKERY_RATE_LIMIT_CREATE_REQUESTS": str(spec.rateLimits.contentCreation),
        "ROOKERY_RATE_LIMIT_CREATE_PERIOD_S": "60",
    }
    if spec.topology == "split":
        # the gateway routes each role's API to its Service
        for role in ROLES:
            key = "ROOKERY_ROLE_URL_" + role.upper()
            data[key] = f"http://{tenant.name}-{role}.{tenant.namespace}.svc:{HTTP_PORT}"
    if tenant.shards:
        # each shard's users and where their home timelines live: the readers route by it
        data["ROOKERY_FEED_SHARDS"] = ",".join(s.render() for s in tenant.shards)
    data.update(tenant.model_endpoints)
    data.update({f"ROOKERY_{key}": value for key, value in spec.settings.items()})
    return data


# Read only where the public API is served (the monolith's pods, or the split gateway's): the rate
# limits are drawn there (a role trusts the gateway's decision; its probes are unmetered), and only
# the gateway routes to the roles. A change to one of these rolls those pods alone.
PUBLIC_EDGE_ONLY = ("ROOKERY_RATE_LIMIT", "ROOKERY_ROLE_URL_")


def config_hash(tenant: Tenant, *, public_edge: bool = True) -> str:
    """Changes whenever a setting the pods read does; stamped on pod templates so Deployments roll.
    ``public_edge=False``: for pods that do not serve the public API (the split roles, the workers),
    which read none of ``PUBLIC_EDGE_ONLY`` and need not restart when only those change."""
    data = settings(tenant)
    if not public_edge:
        data = {key: value for key, value in data.items() if not key.startswith(PUBLIC_EDGE_ONLY)}
    return content_hash(data)[:16]


def tenant_config_map(tenant: Tenant) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(tenant.owner, config_map_name(tenant.name), tenant.name, "config"),
        "data": settings(tenant),
    }
