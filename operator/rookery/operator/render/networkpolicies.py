"""NetworkPolicies: deny everything to and from the tenant's pods, then open the paths it needs."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import HTTP_PORT, Tenant, metadata, public_component

# PostgreSQL, Redis, Kafka, Cassandra, OpenSearch, HTTPS (OIDC, media CDN), KServe predictors
DATASTORE_PORTS = (5432, 6379, 9092, 9042, 9200, 443, 80, 8080)


def _tenant_pods(tenant: Tenant) -> dict[str, Any]:
    return {"matchLabels": {"app.kubernetes.io/name": "rookery", "app.kubernetes.io/instance": tenant.name}}


def _policy(tenant: Tenant, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(tenant.owner, f"{tenant.name}-{name}", tenant.name, "network"),
        "spec": spec,
    }


def tenant_network_policies(tenant: Tenant) -> list[dict[str, Any]]:
    pods = _tenant_pods(tenant)
    http = [{"protocol": "TCP", "port": HTTP_PORT}]
    public = public_component(tenant).removeprefix(f"{tenant.name}-")
    return [
        _policy(tenant, "default-deny", {"podSelector": pods, "policyTypes": ["Ingress", "Egress"]}),
        # the ingress controller (any namespace) reaches the gateway
        _policy(
            tenant,
            "allow-public",
            {
                "podSelector": {
                    "matchLabels": {
                        "app.kubernetes.io/instance": tenant.name,
                        "app.kubernetes.io/component": public,
                    }
                },
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {}}], "ports": http}],
            },
        ),
        # roles call each other (gateway -> role, workers -> roles) inside the tenant
        _policy(
            tenant,
            "allow-internal",
            {
                "podSelector": pods,
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": pods}], "ports": http}],
            },
        ),
        _policy(
            tenant,
            "allow-egress",
            {
                "podSelector": pods,
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    },
                    {"ports": [{"protocol": "TCP", "port": port} for port in DATASTORE_PORTS]},
                ],
            },
        ),
    ]
