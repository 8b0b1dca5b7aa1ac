"""NetworkPolicies: deny everything to and from the tenant's pods, then open the paths it needs.

Ingress, per topology:
  monolith  the platform pods from anywhere (the ingress controller), and tenant pods from each other;
  split     the gateway from anywhere; each role's pods only from the gateway's pods
            (``<tenant>-allow-gateway-<role>``: roles also refuse requests without the gateway's
            internal credential, ROOKERY_INTERNAL_TOKEN); every tenant pod's port from the metrics
            scraper (pods labelled ``app.kubernetes.io/name: prometheus`` in any namespace).
The kubelet's probes come from the node, which NetworkPolicy does not filter.
"""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import HTTP_PORT, Tenant, components, metadata, public_component

# the Prometheus server that scrapes /metrics (kube-prometheus-stack and the Prometheus operator label it so)
METRICS_SCRAPER = {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}
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
        *(_split_ingress(tenant) if tenant.spec.topology == "split" else [_internal(tenant)]),
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


def _internal(tenant: Tenant) -> dict[str, Any]:
    """Monolith: the tenant's pods reach each other's HTTP port."""
    pods = _tenant_pods(tenant)
    http = [{"protocol": "TCP", "port": HTTP_PORT}]
    return _policy(
        tenant,
        "allow-internal",
        {
            "podSelector": pods,
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": pods}], "ports": http}],
        },
    )


def _split_ingress(tenant: Tenant) -> list[dict[str, Any]]:
    """Split: each role's pods from the gateway's only; every pod's port from the metrics scraper."""
    http = [{"protocol": "TCP", "port": HTTP_PORT}]
    gateway = {"podSelector": {"matchLabels": _component(tenant, "gateway")}}
    out = [
        _policy(
            tenant,
            "allow-metrics",
            {
                "podSelector": _tenant_pods(tenant),
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [METRICS_SCRAPER], "ports": http}],
            },
        )
    ]
    for part in components(tenant):
        if not part.serving or part.component == "gateway":
            continue
        role_pods = {"matchLabels": _component(tenant, part.component)}
        out.append(
            _policy(
                tenant,
                f"allow-gateway-{part.component}",
                {"podSelector": role_pods, "policyTypes": ["Ingress"], "ingress": [{"from": [gateway], "ports": http}]},
            )
        )
    return out


def _component(tenant: Tenant, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/instance": tenant.name, "app.kubernetes.io/component": component}
