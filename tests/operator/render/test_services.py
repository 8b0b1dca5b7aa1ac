"""render/services.py: a ClusterIP Service per serving Deployment."""

from __future__ import annotations

from render_support import by_name, tenant

from rookery.operator.models import ROLES
from rookery.operator.render.services import tenant_services


def test_split_topology_has_a_service_per_role_and_none_for_workers() -> None:
    services = by_name(tenant_services(tenant()))
    assert set(services) == {f"birdhouse-{role}" for role in ROLES}
    posts = services["birdhouse-posts"]
    assert posts["spec"]["type"] == "ClusterIP"
    assert posts["spec"]["selector"] == {
        "app.kubernetes.io/instance": "birdhouse",
        "app.kubernetes.io/component": "posts",
    }
    assert posts["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]
    assert posts["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
