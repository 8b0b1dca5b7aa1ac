"""Every Kubernetes child of a SocialTenant, and the kinds the operator prunes when no longer desired."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import Tenant
from rookery.operator.render.configmaps import tenant_config_map
from rookery.operator.render.deployments import tenant_deployments
from rookery.operator.render.hpa import tenant_autoscalers
from rookery.operator.render.ingress import tenant_ingresses
from rookery.operator.render.jobs import tenant_jobs
from rookery.operator.render.networkpolicies import tenant_network_policies
from rookery.operator.render.pdb import tenant_disruption_budgets
from rookery.operator.render.services import tenant_services

# (apiVersion, kind), in apply order: configuration before the pods that read it
TENANT_CHILD_KINDS: list[tuple[str, str]] = [
    ("v1", "ConfigMap"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("batch/v1", "Job"),
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "Ingress"),
]


def tenant_children(tenant: Tenant) -> list[dict[str, Any]]:
    return [
        tenant_config_map(tenant),
        *tenant_network_policies(tenant),
        *tenant_jobs(tenant),
        *tenant_deployments(tenant),
        *tenant_services(tenant),
        *tenant_autoscalers(tenant),
        *tenant_disruption_budgets(tenant),
        *tenant_ingresses(tenant),
    ]
