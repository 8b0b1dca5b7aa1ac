"""render/hpa.py: HorizontalPodAutoscalers where autoscaling is enabled."""

from __future__ import annotations

from render_support import by_name, monolith, tenant

from rookery.operator.render.hpa import tenant_autoscalers


def test_autoscaler_for_the_autoscaled_gateway_only() -> None:
    hpas = by_name(tenant_autoscalers(tenant()))
    assert list(hpas) == ["birdhouse-gateway"]
    spec = hpas["birdhouse-gateway"]["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 10)
    assert spec["metrics"][0]["resource"]["target"]["averageUtilization"] == 65


def test_autoscaler_targets_its_deployment_and_none_without_autoscaling() -> None:
    (hpa,) = tenant_autoscalers(tenant())
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "birdhouse-gateway",
    }
    assert hpa["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert tenant_autoscalers(monolith()) == []
