"""Kopf handlers: thin. Each one names the event it answers and hands over to a reconcile flow.

Drift: a timer re-applies every resource (a child edited or deleted by hand comes back), and
watching the owned Deployments, Jobs and InferenceServices reports readiness as soon as it changes
and restores a deleted Deployment at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kopf

from rookery.operator import FIELD_MANAGER, GROUP, VERSION
from rookery.operator.apply import cassandra
from rookery.operator.apply.kube import Kube
from rookery.operator.reconcile import models, shards, tenants
from rookery.operator.reconcile.runtime import FULL, OBSERVE, Runtime

log = logging.getLogger("rookery.operator")
RESYNC_S = float(os.environ.get("ROOKERY_OPERATOR_RESYNC_SECONDS", "60"))
MANAGED = {"app.kubernetes.io/managed-by": FIELD_MANAGER}
FLOWS = {
    "SocialTenant": tenants.reconcile,
    "FeedShard": shards.reconcile,
    "ModelDeployment": models.reconcile,
}


def runtime(memo: Any) -> Runtime:
    return memo["rookery"]


@kopf.on.startup()
async def configure(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    # Kubernetes and Cassandra calls are blocking: give them more threads than asyncio's default (cores + 4)
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=32, thread_name_prefix="rookery")
    )
    # status is a typed schema (no room for kopf's own fields): keep Kopf's bookkeeping in annotations
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=GROUP)
    settings.persistence.finalizer = f"{GROUP}/finalizer"
    settings.posting.level = logging.WARNING  # Events are for significant steps, posted explicitly
    settings.watching.server_timeout = 300
    # a resync timer caught mid-reconcile by a deletion: check often that it ended, release the finalizer
    settings.background.instant_exit_timeout = 0.5
    settings.background.cancellation_polling = 1
    memo["rookery"] = Runtime(Kube())


@kopf.on.cleanup()
def close(**_: Any) -> None:
    cassandra.shutdown()


# -- SocialTenant ----------------------------------------------------------------------------------


@kopf.on.resume(GROUP, VERSION, "socialtenants")
@kopf.on.create(GROUP, VERSION, "socialtenants")
@kopf.on.update(GROUP, VERSION, "socialtenants", field="spec")
async def tenant_changed(body: kopf.Body, memo: Any, **_: Any) -> None:
    await tenants.reconcile(runtime(memo), *_key(body), FULL)


@kopf.timer(GROUP, VERSION, "socialtenants", interval=RESYNC_S, initial_delay=RESYNC_S)
async def tenant_resync(body: kopf.Body, memo: Any, **_: Any) -> None:
    await tenants.reconcile(runtime(memo), *_key(body), FULL)


@kopf.on.delete(GROUP, VERSION, "socialtenants")
async def tenant_deleted(body: kopf.Body, memo: Any, **_: Any) -> None:
    try:
        log.info(await tenants.delete(runtime(memo), dict(body)))
    except Exception as exc:  # keep the finalizer until the topics and keyspace are handled
        raise kopf.TemporaryError(f"cleanup failed, retrying: {exc}", delay=10) from exc


# -- FeedShard -------------------------------------------------------------------------------------


@kopf.on.resume(GROUP, VERSION, "feedshards")
@kopf.on.create(GROUP, VERSION, "feedshards")
@kopf.on.update(GROUP, VERSION, "feedshards", field="spec")
async def shard_changed(body: kopf.Body, memo: Any, **_: Any) -> None:
    await shards.reconcile(runtime(memo), *_key(body), FULL)


@kopf.timer(GROUP, VERSION, "feedshards", interval=RESYNC_S, initial_delay=RESYNC_S)
async def shard_resync(body: kopf.Body, memo: Any, **_: Any) -> None:
    await shards.reconcile(runtime(memo), *_key(body), FULL)


@kopf.on.delete(GROUP, VERSION, "feedshards")
async def shard_deleted(body: kopf.Body, memo: Any, **_: Any) -> None:
    rt = runtime(memo)
    try:
        log.info(await shards.delete(rt, dict(body)))
    except Exception as exc:
        raise kopf.TemporaryError(f"cleanup failed, retrying: {exc}", delay=10) from exc
    _refresh_tenant(rt, _key(body)[0], body["spec"]["tenantRef"]["name"])


# -- ModelDeployment -------------------------------------------------------------------------------


@kopf.on.resume(GROUP, VERSION, "modeldeployments")
@kopf.on.create(GROUP, VERSION, "modeldeployments")
@kopf.on.update(GROUP, VERSION, "modeldeployments", field="spec")
async def model_changed(body: kopf.Body, memo: Any, **_: Any) -> None:
    await models.reconcile(runtime(memo), *_key(body), FULL)


@kopf.timer(GROUP, VERSION, "modeldeployments", interval=RESYNC_S, initial_delay=RESYNC_S)
async def model_resync(body: kopf.Body, memo: Any, **_: Any) -> None:
    await models.reconcile(runtime(memo), *_key(body), FULL)


@kopf.on.delete(GROUP, VERSION, "modeldeployments", optional=True)
async def model_deleted(body: kopf.Body, memo: Any, **_: Any) -> None:
    _refresh_tenant(runtime(memo), _key(body)[0], body["spec"]["tenantRef"]["name"])  # drop its endpoint


# -- owned children --------------------------------------------------------------------------------


def _key(body: kopf.Body) -> tuple[str, str]:
    return str(body["metadata"]["namespace"]), str(body["metadata"]["name"])


def _schedule(rt: Runtime, kind: str, namespace: str, name: str, mode: str) -> None:
    flow = FLOWS[kind]

    async def run(final_mode: str) -> None:
        await flow(rt, namespace, name, final_mode)

    rt.schedule(kind, namespace, name, mode, run)


def _refresh_tenant(rt: Runtime, namespace: str, name: str) -> None:
    _schedule(rt, tenants.KIND, namespace, name, FULL)


def _owner_changed(rt: Runtime, event_type: str | None, body: kopf.Body) -> None:
    for ref in body.get("metadata", {}).get("ownerReferences") or []:
        ours = ref.get("controller") and ref.get("apiVersion", "").startswith(GROUP + "/")
        if not ours or ref.get("kind") not in FLOWS:
            continue
        mode = FULL if event_type == "DELETED" else OBSERVE  # a child deleted by hand is re-created now
        _schedule(rt, ref["kind"], _key(body)[0], ref["name"], mode)


@kopf.on.event("apps", "v1", "deployments", labels=MANAGED)
async def deployment_event(type: str | None, body: kopf.Body, memo: Any, **_: Any) -> None:
    _owner_changed(runtime(memo), type, body)


@kopf.on.event("batch", "v1", "jobs", labels=MANAGED)
async def job_event(type: str | None, body: kopf.Body, memo: Any, **_: Any) -> None:
    _owner_changed(runtime(memo), type, body)


@kopf.on.event("", "v1", "pods", labels={**MANAGED, tenants.TENANT_LABEL: kopf.PRESENT})
async def pod_event(body: kopf.Body, memo: Any, **_: Any) -> None:
    """A tenant's pod changed (a container crashing, an image that cannot be pulled, recovery):
    report it in the tenant's conditions (PodsHealthy, Degraded) without waiting for the resync."""
    tenant = body["metadata"]["labels"][tenants.TENANT_LABEL]
    _schedule(runtime(memo), tenants.KIND, _key(body)[0], tenant, OBSERVE)


@kopf.on.event("serving.kserve.io", "v1beta1", "inferenceservices", labels=MANAGED)
async def inference_service_event(type: str | None, body: kopf.Body, memo: Any, **_: Any) -> None:
    _owner_changed(runtime(memo), type, body)
