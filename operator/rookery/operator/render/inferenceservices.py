"""KServe InferenceService (serving.kserve.io/v1beta1) for a ModelDeployment."""

from __future__ import annotations

from typing import Any

from rookery.operator.render.common import MANAGED_BY, TENANT_LABEL, Model

GPU = "nvidia.com/gpu"


def _resources(model: Model) -> dict[str, Any]:
    res = model.spec.resources
    amounts: dict[str, Any] = {"cpu": str(res.cpu), "memory": str(res.memory)}
    limits = dict(amounts)
    if res.gpu:
        limits[GPU] = str(res.gpu)
    return {"requests": amounts, "limits": limits}


def inference_service(model: Model) -> dict[str, Any]:
    spec = model.spec
    predictor: dict[str, Any] = {"minReplicas": spec.minReplicas, "maxReplicas": spec.maxReplicas}
    if spec.canaryTrafficPercent is not None:
        predictor["canaryTrafficPercent"] = spec.canaryTrafficPercent
    if spec.modelFormat is not None:
        fmt: dict[str, Any] = {"name": spec.modelFormat.name}
        if spec.modelFormat.version:
            fmt["version"] = spec.modelFormat.version
        served: dict[str, Any] = {
            "modelFormat": fmt,
            "storageUri": spec.storageUri,
            "resources": _resources(model),
        }
        if spec.runtime:
            served["runtime"] = spec.runtime
        predictor["model"] = served
    else:
        # a custom predictor: KServe's storage initializer fills /mnt/models from STORAGE_URI
        predictor["containers"] = [
            {
                "name": "kserve-container",
                "image": spec.image,
                "args": ["inference", "serve", "--task", spec.task, "--model-dir", "/mnt/models"],
                "env": [{"name": "STORAGE_URI", "value": spec.storageUri}],
                "resources": _resources(model),
            }
        ]
    tenant = spec.tenantRef.name
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": model.name,
            "namespace": model.owner.namespace,
            "labels": {
                "app.kubernetes.io/name": "rookery",
                "app.kubernetes.io/instance": tenant,
                "app.kubernetes.io/component": f"model-{spec.task}",
                TENANT_LABEL: tenant,
                **MANAGED_BY,
            },
            "ownerReferences": [model.owner.reference()],
        },
        "spec": {"predictor": predictor},
    }


def mirror_status(isvc: dict[str, Any] | None) -> dict[str, Any]:
    """What a ModelDeployment reports from its InferenceService's status, as KServe writes it."""
    status = (isvc or {}).get("status") or {}
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    ready = conditions.get("Ready", {})
    predictor = (status.get("components") or {}).get("predictor") or {}
    canary = None
    for target in predictor.get("traffic") or []:
        if target.get("latestRevision"):
            canary = target.get("percent")
    return {
        "url": status.get("url"),
        "internalUrl": (status.get("address") or {}).get("url"),
        "ready": ready.get("status") == "True",
        "reason": ready.get("reason") or ("Ready" if ready.get("status") == "True" else "NotReady"),
        "message": ready.get("message") or "",
        "canaryTrafficPercent": canary,
    }
