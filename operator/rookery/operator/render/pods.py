"""The pod template every Rookery Deployment and Job shares: restricted, probed, configured by env."""

from __future__ import annotations

from typing import Any

from rookery.operator.models import Resources, SocialTenantSpec
from rookery.operator.render.common import CONFIG_HASH_ANNOTATION, HTTP_PORT
from rookery.operator.render.secrets import INTERNAL_TOKEN_KEY, KEYS_SECRET_ENV

# the Secret keys the pods read, and the settings they become; values are never copied
SECRET_ENV = {
    "ROOKERY_POSTGRES_DSN": "postgres",
    "ROOKERY_REDIS_URL": "redis",
    "ROOKERY_KAFKA_BOOTSTRAP": "kafka",
    "ROOKERY_CASSANDRA_CONTACT_POINTS": "cassandra",
    "ROOKERY_SEARCH_URL": "search",
    "ROOKERY_OIDC_ISSUER": "oidcIssuer",
}
# optional references: rendered only when the tenant names a Secret key for them
OPTIONAL_SECRET_ENV = {
    "ROOKERY_OIDC_CLIENT_ID": "oidcClientId",
    "ROOKERY_OIDC_CLIENT_SECRET": "oidcClientSecret",
    "ROOKERY_CLOUDINARY_URL": "cloudinary",
}

PRE_STOP_SLEEP_S = 5  # well under terminationGracePeriodSeconds (30)

POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _from_secret(variable: str, name: str, key: str) -> dict[str, Any]:
    return {"name": variable, "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def secret_env(spec: SocialTenantSpec, keys_secret: str | None = None) -> list[dict[str, Any]]:
    """The datastores (and optional Cloudinary / OIDC client) Secret keys the tenant names, and the
    tenant's keys Secret (signing and VAPID keys, created by the operator) when ``keys_secret``."""
    out = []
    for variable, field in SECRET_ENV.items():
        ref = getattr(spec.datastores, field)
        out.append(_from_secret(variable, ref.name, ref.key))
    for variable, field in OPTIONAL_SECRET_ENV.items():
        optional = getattr(spec.datastores, field)
        if optional is not None:
            out.append(_from_secret(variable, optional.name, optional.key))
    if keys_secret is not None:
        out += [_from_secret(variable, keys_secret, key) for variable, key in KEYS_SECRET_ENV.items()]
        if spec.topology == "split":
            token = _from_secret("ROOKERY_INTERNAL_TOKEN", keys_secret, INTERNAL_TOKEN_KEY)
            token["valueFrom"]["secretKeyRef"]["optional"] = True
            out.append(token)
    return out


def resources(res: Resources) -> dict[str, Any]:
    return {
        "requests": {k: str(v) for k, v in res.requests.items()},
        "limits": {k: str(v) for k, v in res.limits.items()},
    }


def _probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "failureThreshold": failures}


def pod_template(
    *,
    labels: dict[str, str],
    spec: SocialTenantSpec,
    args: list[str],
    config_map: str,
    config_hash: str,
    res: Resources,
    extra_env: list[dict[str, Any]] | None = None,
    keys_secret: str | None = None,
    probes: bool = True,
    restart_policy: str | None = None,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "rookery",
        "image": spec.image,
        "imagePullPolicy": spec.imagePullPolicy,
        "command": ["rookery"],
        "args": args,
        "envFrom": [{"configMapRef": {"name": config_map}}],
        "env": [*secret_env(spec, keys_secret), *(extra_env or [])],
        "resources": resources(res),
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if probes:
        container["ports"] = [{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}]
        container["startupProbe"] = _probe("/healthz", 2, 60)
        container["livenessProbe"] = _probe("/healthz", 10, 3)
        container["readinessProbe"] = _probe("/readyz", 5, 3)
        # a deleted pod keeps serving while the endpoint removal reaches every proxy and gateway,
        # and only then gets SIGTERM (and finishes its requests in flight, within the grace period)
        container["lifecycle"] = {"preStop": {"sleep": {"seconds": PRE_STOP_SLEEP_S}}}
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": POD_SECURITY,
        "terminationGracePeriodSeconds": 30,
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
    }
    if restart_policy:
        pod["restartPolicy"] = restart_policy
    return {"metadata": {"labels": labels, "annotations": {CONFIG_HASH_ANNOTATION: config_hash}}, "spec": pod}
