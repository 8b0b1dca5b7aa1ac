"""render/pdb.py: PodDisruptionBudgets where two or more pods serve."""

from __future__ import annotations

from render_support import by_name, monolith, tenant

from rookery.operator.render.pdb import tenant_disruption_budgets


def test_disruption_budgets_where_two_or_more_pods_serve() -> None:
    pdbs = by_name(tenant_disruption_budgets(tenant()))
    assert "birdhouse-gateway" in pdbs and "birdhouse-posts" in pdbs
    assert "birdhouse-analytics" not in pdbs  # one replica: a budget would block drains
    assert not any("worker" in name for name in pdbs)
    assert tenant_disruption_budgets(monolith()) == []


def test_a_budget_lets_one_pod_go_and_selects_its_component() -> None:
    pdb = by_name(tenant_disruption_budgets(tenant()))["birdhouse-gateway"]
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "birdhouse",
        "app.kubernetes.io/component": "gateway",
    }
