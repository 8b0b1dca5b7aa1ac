"""HorizontalPodAutoscalers (autoscaling/v2) for the workloads with autoscaling enabled."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import Tenant, components, metadata


def tenant_autoscalers(tenant: Tenant) -> list[dict[str, Any]]:
    out = []
    for comp in components(tenant):
        scaling = comp.workload.autoscaling
        if not scaling.enabled:
            continue
        out.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": metadata(tenant.owner, comp.name, tenant.name, comp.component),
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": comp.name},
                    "minReplicas": scaling.minReplicas,
                    "maxReplicas": scaling.maxReplicas,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {
                                    "type": "Utilization",
                                    "averageUtilization": scaling.targetCPUUtilizationPercentage,
                                },
                            },
                        }
                    ],
                },
            }
        )
    return out
