"""The Ingress that publishes the gateway on the tenant's host."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import Tenant, metadata, public_component


def tenant_ingresses(tenant: Tenant) -> list[dict[str, Any]]:
    cfg = tenant.spec.ingress
    if not cfg.enabled:
        return []
    meta = metadata(tenant.owner, tenant.name, tenant.name, "ingress")
    if cfg.annotations:
        meta["annotations"] = dict(cfg.annotations)
    spec: dict[str, Any] = {
        "rules": [
            {
                "host": tenant.spec.host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {
                                "service": {"name": public_component(tenant), "port": {"name": "http"}}
                            },
                        }
                    ]
                },
            }
        ]
    }
    if cfg.className:
        spec["ingressClassName"] = cfg.className
    if cfg.tlsSecretName:
        spec["tls"] = [{"hosts": [tenant.spec.host], "secretName": cfg.tlsSecretName}]
    return [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}]
