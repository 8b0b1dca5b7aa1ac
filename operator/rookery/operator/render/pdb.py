"""PodDisruptionBudgets: voluntary evictions (node drains) take at most one serving pod at a time."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import Tenant, components, metadata, selector


def tenant_disruption_budgets(tenant: Tenant) -> list[dict[str, Any]]:
    out = []
    for comp in components(tenant):
        scaling = comp.workload.autoscaling
        pods = scaling.minReplicas if scaling.enabled else comp.workload.replicas
        if not comp.serving or pods < 2:  # a budget for a single pod would block every drain
            continue
        out.append(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": metadata(tenant.owner, comp.name, tenant.name, comp.component),
                "spec": {
                    "maxUnavailable": 1,
                    "selector": {"matchLabels": selector(tenant.name, comp.component)},
                },
            }
        )
    return out
