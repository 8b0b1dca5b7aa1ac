"""ModelDeployment: a KServe InferenceService, its status mirrored, its URL in the tenant's settings."""

from __future__ import annotations

import asyncio
from typing import Any

from rookery.operator.apply.kube import MissingAPI
from rookery.operator.conditions import Check, merge, summarise
from rookery.operator.metrics import timed
from rookery.operator.models import ModelDeploymentSpec, model_endpoint_variable
from rookery.operator.reconcile import shards, tenants
from rookery.operator.reconcile.runtime import FULL, Runtime, event, now
from rookery.operator.render.common import Model, Owner
from rookery.operator.render.inferenceservices import inference_service, mirror_status

KIND = "ModelDeployment"
ISVC_API = "serving.kserve.io/v1beta1"


async def reconcile(rt: Runtime, namespace: str, name: str, mode: str = FULL) -> None:
    async with rt.lock(KIND, namespace, name):
        body = await rt.get(KIND, namespace, name)
        if body is None or body["metadata"].get("deletionTimestamp"):
            return
        if (body.get("status") or {}).get("observedGeneration") != body["metadata"].get("generation"):
            mode = FULL
        with timed(KIND, mode):
            await _reconcile(rt, body, mode)


async def _reconcile(rt: Runtime, body: dict[str, Any], mode: str) -> None:
    meta, status = body["metadata"], body.get("status") or {}
    generation = meta.get("generation")
    model = Model(
        Owner(KIND, meta["name"], meta["namespace"], meta["uid"]),
        ModelDeploymentSpec.model_validate(body["spec"]),
    )
    tenant_name = model.spec.tenantRef.name
    tenant_body = await rt.get(tenants.KIND, meta["namespace"], tenant_name)
    checks = []
    if tenant_body is None:
        checks.append(
            Check(
                "TenantFound", False, "WaitingForTenant", f"SocialTenant {tenant_name} does not exist (yet)"
            )
        )
    isvc = None
    try:
        if mode == FULL:
            if tenant_body is not None:
                await shards.attach(rt, body, tenant_body)
            before = await rt.get("InferenceService", meta["namespace"], model.name, api_version=ISVC_API)
            isvc = await asyncio.to_thread(rt.kube.apply, inference_service(model))
            if before is None or before["metadata"]["resourceVersion"] != isvc["metadata"]["resourceVersion"]:
                event(body, "InferenceServiceApplied", f"InferenceService {model.name} applied")
        else:
            isvc = await rt.get("InferenceService", meta["namespace"], model.name, api_version=ISVC_API)
    except MissingAPI as exc:
        checks.append(Check("InferenceServiceReady", False, "KServeMissing", f"{exc}; install KServe"))
    mirrored = mirror_status(isvc)
    if isvc is not None:
        message = mirrored["message"] or (
            "serving at " + (mirrored["url"] or "?") if mirrored["ready"] else "KServe reports not ready"
        )
        checks.append(Check("InferenceServiceReady", mirrored["ready"], mirrored["reason"], message))
    phase, checks = summarise(checks)
    new_status = {
        "phase": phase,
        "observedGeneration": generation,
        "conditions": merge(status.get("conditions"), checks, generation, now()),
        "url": mirrored["url"],
        "ready": mirrored["ready"],
        "canaryTrafficPercent": mirrored["canaryTrafficPercent"],
        "endpointVariable": model_endpoint_variable(model.spec.task),
    }
    await rt.write_status(body, new_status)
    if tenant_body is not None:
        listed = {m["name"]: m for m in (tenant_body.get("status") or {}).get("models") or []}
        mine = listed.get(model.name) or {}
        if mine.get("endpoint") != mirrored["url"] or mine.get("ready", False) != (phase == "Ready"):
            ns = meta["namespace"]
            rt.schedule(
                tenants.KIND, ns, tenant_name, FULL, lambda m: tenants.reconcile(rt, ns, tenant_name, m)
            )
