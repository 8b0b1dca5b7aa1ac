"""A ClusterIP Service per serving Deployment (the monolith, or each role)."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import HTTP_PORT, Tenant, components, metadata, selector


def tenant_services(tenant: Tenant) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(tenant.owner, comp.name, tenant.name, comp.component),
            "spec": {
                "type": "ClusterIP",
                "selector": selector(tenant.name, comp.component),
                "ports": [{"name": "http", "port": HTTP_PORT, "targetPort": "http", "protocol": "TCP"}],
            },
        }
        for comp in components(tenant)
        if comp.serving
    ]
