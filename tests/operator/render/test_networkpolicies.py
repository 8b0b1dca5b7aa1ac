"""render/networkpolicies.py: default deny, then the paths the tenant needs."""

from __future__ import annotations

from render_support import by_name, monolith, tenant

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
