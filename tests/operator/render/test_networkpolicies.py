"""render/networkpolicies.py: default deny, then the paths the tenant needs."""

from __future__ import annotations

from render_support import by_name, monolith, tenant

from rookery.operator.models import ROLES
from rookery.operator.render.common import HTTP_PORT, components
from rookery.operator.render.networkpolicies import tenant_network_policies


def test_network_policies_deny_by_default_and_open_the_needed_paths() -> None:
    pols = by_name(tenant_network_policies(tenant()))
    deny = pols["birdhouse-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
    public = pols["birdhouse-allow-public"]["spec"]
    assert public["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "gateway"
    egress_ports = {
        p["port"] for rule in pols["birdhouse-allow-egress"]["spec"]["egress"] for p in rule["ports"]
    }
    assert {53, 5432, 6379, 9092, 9042, 9200} <= egress_ports


def test_a_monolith_opens_its_platform_pods_to_the_public() -> None:
    pols = by_name(tenant_network_policies(monolith()))
    public = pols["tiny-allow-public"]["spec"]
    assert public["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "platform"
    assert all(p["metadata"]["namespace"] == "default" for p in pols.values())


def test_split_roles_take_traffic_from_the_gateway_pods_only() -> None:
    split = tenant()
    pols = by_name(tenant_network_policies(split))
    assert "birdhouse-allow-internal" not in pols  # no pod-to-pod free-for-all
    roles = [c.component for c in components(split) if c.serving and c.component != "gateway"]
    assert sorted(roles) == sorted(r for r in ROLES if r != "gateway")
    for role in roles:
        spec = pols[f"birdhouse-allow-gateway-{role}"]["spec"]
        assert spec["podSelector"]["matchLabels"] == {
            "app.kubernetes.io/instance": "birdhouse",
            "app.kubernetes.io/component": role,
        }
        (rule,) = spec["ingress"]
        gateway = {"app.kubernetes.io/instance": "birdhouse", "app.kubernetes.io/component": "gateway"}
        assert rule["from"] == [{"podSelector": {"matchLabels": gateway}}]
        assert rule["ports"] == [{"protocol": "TCP", "port": HTTP_PORT}]
    # the gateway's own policy is the public one; no role is selected by a policy open to all
    public = pols["birdhouse-allow-public"]["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
    assert public == "gateway"
    # the metrics scraper reaches every pod's port, and only the scraper's pods
    metrics = pols["birdhouse-allow-metrics"]["spec"]
    prometheus = "prometheus"
    assert metrics["ingress"] == [
        {
            "from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"app.kubernetes.io/name": prometheus}}}],
            "ports": [{"protocol": "TCP", "port": HTTP_PORT}],
        }
    ]


def test_a_monolith_has_no_per_role_policies() -> None:
    pols = by_name(tenant_network_policies(monolith()))
    assert not any("allow-gateway-" in name for name in pols)
    assert "tiny-allow-internal" in pols
