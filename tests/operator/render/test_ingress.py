"""render/ingress.py: the Ingress that publishes the gateway."""

from __future__ import annotations

from render_support import monolith, tenant

from rookery.operator.render.ingress import tenant_ingresses


def test_ingress_publishes_the_gateway_with_tls() -> None:
    (ing,) = tenant_ingresses(tenant())
    rule = ing["spec"]["rules"][0]
    assert rule["host"] == "birdhouse.example.org"
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "birdhouse-gateway"
    assert ing["spec"]["tls"] == [{"hosts": ["birdhouse.example.org"], "secretName": "birdhouse-tls"}]
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert ing["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}


def test_a_monolith_publishes_its_platform_and_a_disabled_ingress_renders_nothing() -> None:
    (ing,) = tenant_ingresses(monolith())
    assert ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "tiny-platform"
    assert "tls" not in ing["spec"] and "annotations" not in ing["metadata"]
    assert tenant_ingresses(tenant(ingress={"enabled": False})) == []
