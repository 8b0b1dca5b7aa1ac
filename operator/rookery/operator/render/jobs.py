"""The migration Job (`rookery migrate`): one per image, so a new release migrates once."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import Tenant, content_hash, labels, metadata
from rookery.operator.render.configmaps import config_hash, config_map_name
from rookery.operator.render.pods import pod_template


def migration_job_name(tenant: Tenant) -> str:
    # Job templates are immutable: a new image (or keyspace) is a new Job
    return f"{tenant.name}-migrate-{content_hash([tenant.spec.image, tenant.keyspace])[:8]}"


def tenant_jobs(tenant: Tenant) -> list[dict[str, Any]]:
    if not tenant.spec.migrations.enabled:
        return []
    template = pod_template(
        labels=labels(tenant.name, "migrate"),
        spec=tenant.spec,
        args=["migrate"],
        config_map=config_map_name(tenant.name),
        config_hash=config_hash(tenant),
        res=tenant.spec.workloads.resources,
        probes=False,
        restart_policy="Never",
    )
    # the hash annotation would make the immutable template differ after a config change
    template["metadata"].pop("annotations")
    return [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": metadata(tenant.owner, migration_job_name(tenant), tenant.name, "migrate"),
            "spec": {"backoffLimit": tenant.spec.migrations.backoffLimit, "template": template},
        }
    ]
