"""SocialTenant: its workloads, topics and keyspace; the conditions that explain its state."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import ValidationError

from rookery.operator import API_VERSION
from rookery.operator.apply import cassandra, kafka
from rookery.operator.conditions import Check, deployment_ready, job_state, merge, pods_check, summarise
from rookery.operator.metrics import timed
from rookery.operator.models import FeedShardSpec, SocialTenantSpec, model_endpoint_variable
from rookery.operator.reconcile.runtime import FULL, MissingSetting, Runtime, event, now
from rookery.operator.render.children import TENANT_CHILD_KINDS, tenant_children
from rookery.operator.render.common import MANAGED_BY, TENANT_LABEL, Owner, ShardInfo, Tenant
from rookery.operator.render.configmaps import config_hash
from rookery.operator.render.keyspaces import tenant_keyspace
from rookery.operator.render.secrets import (
    generate_keys,
    keys_secret_name,
    keys_secret_owner_patch,
    tenant_keys_secret,
)
from rookery.operator.render.topics import tenant_topics

KIND = "SocialTenant"
EXTERNAL = ("KafkaReady", "CassandraReady", "KeysReady")
KEYS_CREATOR = "rookery-operator-keygen"  # creates the keys Secret once (its data is never re-applied)
KEYS_OWNER = "rookery-operator-keys"  # applies the keys Secret's labels and owner reference


def selector(tenant: str) -> str:
    managed = ",".join(f"{k}={v}" for k, v in MANAGED_BY.items())
    return f"{TENANT_LABEL}={tenant},{managed}"


def ready_of(body: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (body.get("status") or {}).get("conditions") or []
    )


def carried(status: dict[str, Any], type_: str) -> Check:
    """A condition from the last full reconcile (the observe path calls neither Kafka nor Cassandra)."""
    old: dict[str, Any] = next((c for c in status.get("conditions") or [] if c.get("type") == type_), {})
    ok = {"True": True, "False": False}.get(old.get("status", ""))
    return Check(type_, ok, old.get("reason", "Unknown"), old.get("message", ""))


async def attached(
    rt: Runtime, namespace: str, tenant: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shards, models = await asyncio.gather(
        rt.list_objects(API_VERSION, "FeedShard", namespace),
        rt.list_objects(API_VERSION, "ModelDeployment", namespace),
    )

    def mine(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        alive = [o for o in objs if not o["metadata"].get("deletionTimestamp")]
        return sorted(
            (o for o in alive if o["spec"]["tenantRef"]["name"] == tenant),
            key=lambda o: o["metadata"]["name"],
        )

    return mine(shards), mine(models)


def build(body: dict[str, Any], shards: list[dict[str, Any]], models: list[dict[str, Any]]) -> Tenant:
    meta = body["metadata"]
    spec = SocialTenantSpec.model_validate(body["spec"])
    shard_infos = tuple(
        ShardInfo.of(meta["name"], s["metadata"]["name"], FeedShardSpec.model_validate(s["spec"])) for s in shards
    )
    endpoints: dict[str, str] = {}
    for model in models:
        status = model.get("status") or {}
        if status.get("url"):
            endpoints.setdefault(model_endpoint_variable(model["spec"]["task"]), status["url"])
    owner = Owner(KIND, meta["name"], meta["namespace"], meta["uid"])
    return Tenant(owner, spec, shards=shard_infos, model_endpoints=endpoints)


async def provision_kafka(rt: Runtime, tenant: Tenant, body: dict[str, Any]) -> Check:
    try:
        ref = tenant.spec.datastores.kafka
        bootstrap = await rt.secret(tenant.namespace, ref.name, ref.key)
        report = await kafka.ensure_topics(bootstrap, tenant_topics(tenant))
    except MissingSetting as exc:
        return Check("KafkaReady", False, "SecretMissing", str(exc))
    except kafka.TopicRefused as exc:
        event(body, exc.reason, exc.message, warning=True)
        return Check("KafkaReady", False, exc.reason, exc.message)
    except Exception as exc:  # unreachable brokers and the like: say so, retry on the next tick
        return Check("KafkaReady", False, "KafkaUnavailable", f"{type(exc).__name__}: {exc}")
    if report.changed:
        parts = [
            f"created {len(report.created)}" if report.created else "",
            ", ".join(f"grew {t}" for t in report.grown),
        ]
        parts.append(f"reconfigured {len(report.reconfigured)}" if report.reconfigured else "")
        event(body, "TopicsUpdated", "Kafka topics: " + "; ".join(p for p in parts if p))
    count = len(tenant_topics(tenant))
    return Check("KafkaReady", True, "TopicsReady", f"{count} topics {tenant.name}.* match the spec")


async def provision_cassandra(rt: Runtime, tenant: Tenant, body: dict[str, Any]) -> Check:
    keyspace = tenant_keyspace(tenant)
    try:
        ref = tenant.spec.datastores.cassandra
        points = await rt.secret(tenant.namespace, ref.name, ref.key)
        action = await asyncio.to_thread(cassandra.ensure_keyspace, points, keyspace)
    except MissingSetting as exc:
        return Check("CassandraReady", False, "SecretMissing", str(exc))
    except Exception as exc:
        return Check("CassandraReady", False, "CassandraUnavailable", f"{type(exc).__name__}: {exc}")
    if action:
        event(
            body,
            f"Keyspace{action.capitalize()}",
            f"keyspace {keyspace.name} {action} with {keyspace.replication}",
        )
    return Check(
        "CassandraReady", True, "KeyspaceReady", f"keyspace {keyspace.name} has the requested replication"
    )


async def ensure_keys(rt: Runtime, tenant: Tenant, body: dict[str, Any]) -> Check:
    """The tenant's keys Secret: created with fresh keys when absent, never overwritten; its owner
    reference follows retentionPolicy (Delete: it goes with the tenant; Retain: it stays)."""
    name = keys_secret_name(tenant.name)
    try:
        created = await asyncio.to_thread(
            rt.kube.create_if_absent, tenant_keys_secret(tenant, generate_keys()), KEYS_CREATOR
        )
        await asyncio.to_thread(rt.kube.apply_as, keys_secret_owner_patch(tenant), KEYS_OWNER)
    except Exception as exc:  # RBAC, quota, an unreachable API server: say so, retry on the next tick
        return Check("KeysReady", False, "KeysSecretFailed", f"Secret {name}: {type(exc).__name__}: {exc}")
    kept = "deleted with the tenant" if tenant.spec.retentionPolicy == "Delete" else "kept after the tenant"
    if created:  # an Event, not the condition: a later reconcile must not rewrite the status for it
        event(body, "KeysCreated", f"created Secret {name}: a fresh signing key and VAPID key")
    message = f"Secret {name} exists (made when absent, never overwritten; {kept})"
    return Check("KeysReady", True, "KeysPresent", message)


def workload_checks(tenant: Tenant, live: dict[tuple[str, str], dict[str, Any]]) -> tuple[list[Check], str]:
    desired = tenant_children(tenant)
    deployments = [d["metadata"]["name"] for d in desired if d["kind"] == "Deployment"]
    waiting = []
    for name in deployments:
        ok, why = deployment_ready(live.get(("Deployment", name)))
        if not ok:
            waiting.append(f"{name}: {why}")
    ready = len(deployments) - len(waiting)
    summary = f"{ready}/{len(deployments)}"
    if waiting:
        checks = [
            Check(
                "WorkloadsReady",
                False,
                "RollingOut",
                f"{summary} Deployments ready; " + "; ".join(waiting[:5]),
            )
        ]
    else:
        checks = [Check("WorkloadsReady", True, "AllReplicasReady", f"{summary} Deployments ready")]
    jobs = [d["metadata"]["name"] for d in desired if d["kind"] == "Job"]
    for name in jobs:
        state, why = job_state(live.get(("Job", name)))
        reason = {True: "MigrationsComplete", False: "MigrationFailed", None: "MigrationRunning"}[state]
        checks.append(Check("MigrationsComplete", state, reason, f"Job {name}: {why}"))
    return checks, summary


async def reconcile(rt: Runtime, namespace: str, name: str, mode: str = FULL) -> None:
    async with rt.lock(KIND, namespace, name):
        body = await rt.get(KIND, namespace, name)
        if body is None or body["metadata"].get("deletionTimestamp"):
            return
        status = body.get("status") or {}
        generation = body["metadata"].get("generation")
        if status.get("observedGeneration") != generation:
            mode = FULL  # nothing may be carried over from an older spec
        with timed(KIND, mode):
            await _reconcile(rt, body, mode)


async def _reconcile(rt: Runtime, body: dict[str, Any], mode: str) -> None:
    meta, status = body["metadata"], body.get("status") or {}
    generation = meta.get("generation")
    shards, models = await attached(rt, meta["namespace"], meta["name"])
    try:
        tenant = build(body, shards, models)
    except ValidationError as exc:  # the CRD schema should have stopped it; say what is wrong
        check = Check("SpecValid", False, "InvalidSpec", str(exc).replace("\n", " ")[:900])
        phase, checks = summarise([check])
        await rt.write_status(
            body, {"phase": phase, "conditions": merge(status.get("conditions"), checks, generation, now())}
        )
        return

    desired = tenant_children(tenant)
    keep = {(d["kind"], d["metadata"]["name"]) for d in desired}
    if mode == FULL:
        kafka_check, cassandra_check, keys_check = await asyncio.gather(
            provision_kafka(rt, tenant, body), provision_cassandra(rt, tenant, body), ensure_keys(rt, tenant, body)
        )
        existing, deleted = await rt.prune(
            TENANT_CHILD_KINDS, tenant.namespace, selector(tenant.name), tenant.owner.uid, keep
        )
        live, changed = await rt.apply(desired, existing)
        if changed or deleted:
            what = ", ".join([*changed[:8], *(f"deleted {d}" for d in deleted[:4])])
            more = len(changed) + len(deleted) - min(8, len(changed)) - min(4, len(deleted))
            event(body, "Applied", what + (f" and {more} more" if more > 0 else ""))
    else:
        kafka_check, cassandra_check, keys_check = (carried(status, t) for t in EXTERNAL)
        live = {}
        for api_version, kind in (("apps/v1", "Deployment"), ("batch/v1", "Job")):
            for obj in await rt.list_objects(api_version, kind, tenant.namespace, selector(tenant.name)):
                live[(kind, obj["metadata"]["name"])] = obj

    work_checks, summary = workload_checks(tenant, live)
    pods = await rt.list_objects("v1", "Pod", tenant.namespace, selector(tenant.name))
    # first: a pod that cannot start is what a person must see (Degraded's reason)
    phase, checks = summarise([pods_check(pods), kafka_check, cassandra_check, keys_check, *work_checks])
    new_status = {
        "phase": phase,
        "observedGeneration": generation,
        "conditions": merge(status.get("conditions"), checks, generation, now()),
        "endpoint": tenant.endpoint,
        "configHash": config_hash(tenant),
        "topics": [t.name for t in tenant_topics(tenant)],
        "keyspace": tenant.keyspace,
        "workloads": summary,
        "shards": [{"name": s["metadata"]["name"], "ready": ready_of(s)} for s in shards],
        "models": [
            {
                "name": m["metadata"]["name"],
                "ready": ready_of(m),
                "endpoint": (m.get("status") or {}).get("url"),
            }
            for m in models
        ],
    }
    was_ready = status.get("phase") == "Ready"
    if await rt.write_status(body, new_status) and phase != status.get("phase"):
        if phase == "Ready":
            event(body, "Ready", f"{tenant.name} is ready at {tenant.endpoint}")
        elif was_ready or phase == "Degraded":
            event(
                body, phase, next(c.message for c in checks if c.type == "Ready"), warning=phase == "Degraded"
            )


async def delete(rt: Runtime, body: dict[str, Any]) -> str:
    """Finalizer: keep or drop the tenant's topics and keyspace, per spec.retentionPolicy (its keys
    Secret follows the same policy through its owner reference)."""
    spec = SocialTenantSpec.model_validate(body["spec"])
    meta = body["metadata"]
    tenant = Tenant(Owner(KIND, meta["name"], meta["namespace"], meta["uid"]), spec)
    if spec.retentionPolicy == "Retain":
        message = f"kept Kafka topics {tenant.name}.* and keyspace {tenant.keyspace} (retentionPolicy Retain)"
        event(body, "Retained", message)
        return message
    try:
        bootstrap = await rt.secret(tenant.namespace, spec.datastores.kafka.name, spec.datastores.kafka.key)
        points = await rt.secret(
            tenant.namespace, spec.datastores.cassandra.name, spec.datastores.cassandra.key
        )
    except MissingSetting as exc:
        # without the datastores Secret (e.g. the namespace is being deleted) nothing can be reached;
        # holding the finalizer would block the namespace forever
        message = f"cannot drop topics {tenant.name}.* and keyspace {tenant.keyspace}: {exc}; left in place"
        event(body, "CleanupSkipped", message, warning=True)
        return message
    # a reconcile of the tenant or one of its shards already past its deletion check may still (re)create
    # topics: wait for any in flight; later ones see the deletionTimestamp and leave the datastores alone
    async with rt.lock(KIND, tenant.namespace, tenant.name):
        pass
    for shard in await rt.list_objects(API_VERSION, "FeedShard", tenant.namespace):
        if shard["spec"]["tenantRef"]["name"] == tenant.name:
            async with rt.lock("FeedShard", tenant.namespace, shard["metadata"]["name"]):
                pass
    names = await kafka.list_topics(bootstrap, prefix=f"{tenant.name}.")
    deleted = await kafka.delete_topics(bootstrap, names)
    await asyncio.to_thread(cassandra.drop_keyspace, points, tenant.keyspace)
    message = f"deleted {len(deleted)} Kafka topics {tenant.name}.* and dropped keyspace {tenant.keyspace}"
    event(body, "Deleted", message)
    return message
