"""FeedShard: its fan-out worker, topic, timeline table; readiness in its status and the tenant's."""

from __future__ import annotations

import asyncio
from typing import Any

from rookery.operator.apply import cassandra, kafka
from rookery.operator.conditions import Check, deployment_ready, merge, summarise
from rookery.operator.metrics import timed
from rookery.operator.models import FeedShardSpec, SocialTenantSpec
from rookery.operator.reconcile import tenants
from rookery.operator.reconcile.runtime import FULL, MissingSetting, Runtime, event, now
from rookery.operator.render.common import Owner, Shard, Tenant
from rookery.operator.render.deployments import shard_deployment
from rookery.operator.render.keyspaces import shard_table
from rookery.operator.render.topics import shard_topics

KIND = "FeedShard"


def build(body: dict[str, Any], tenant_body: dict[str, Any]) -> Shard:
    meta, tmeta = body["metadata"], tenant_body["metadata"]
    tenant = Tenant(
        Owner(tenants.KIND, tmeta["name"], tmeta["namespace"], tmeta["uid"]),
        SocialTenantSpec.model_validate(tenant_body["spec"]),
    )
    return Shard(
        Owner(KIND, meta["name"], meta["namespace"], meta["uid"]),
        FeedShardSpec.model_validate(body["spec"]),
        tenant,
    )


def tenant_reference(tenant_body: dict[str, Any]) -> dict[str, Any]:
    """A non-controller owner reference: deleting the tenant garbage-collects its shards and models."""
    meta = tenant_body["metadata"]
    return {
        "apiVersion": tenant_body["apiVersion"],
        "kind": tenants.KIND,
        "name": meta["name"],
        "uid": meta["uid"],
    }


async def attach(rt: Runtime, body: dict[str, Any], tenant_body: dict[str, Any]) -> None:
    refs = body["metadata"].get("ownerReferences") or []
    uid = tenant_body["metadata"]["uid"]
    if not any(r.get("uid") == uid for r in refs):
        meta = body["metadata"]
        patch = {"ownerReferences": [*refs, tenant_reference(tenant_body)]}
        await asyncio.to_thread(
            rt.kube.patch_metadata, body["apiVersion"], body["kind"], meta["name"], meta["namespace"], patch
        )


async def provision(rt: Runtime, shard: Shard, body: dict[str, Any]) -> list[Check]:
    spec = shard.tenant.spec.datastores
    checks = []
    try:
        bootstrap = await rt.secret(shard.tenant.namespace, spec.kafka.name, spec.kafka.key)
        report = await kafka.ensure_topics(bootstrap, shard_topics(shard))
        if report.changed:
            event(body, "TopicUpdated", f"topic {shard.topic}: created {report.created}, grew {report.grown}")
        checks.append(
            Check("KafkaReady", True, "TopicReady", f"{shard.topic} has {shard.spec.partitions} partitions")
        )
    except MissingSetting as exc:
        checks.append(Check("KafkaReady", False, "SecretMissing", str(exc)))
    except kafka.TopicRefused as exc:
        event(body, exc.reason, exc.message, warning=True)
        checks.append(Check("KafkaReady", False, exc.reason, exc.message))
    except Exception as exc:
        checks.append(Check("KafkaReady", False, "KafkaUnavailable", f"{type(exc).__name__}: {exc}"))
    table = shard_table(shard)
    try:
        points = await rt.secret(shard.tenant.namespace, spec.cassandra.name, spec.cassandra.key)
        if await asyncio.to_thread(cassandra.live_replication, points, table.keyspace) is None:
            checks.append(
                Check(
                    "CassandraReady",
                    False,
                    "WaitingForKeyspace",
                    f"keyspace {table.keyspace} not created yet",
                )
            )
        else:
            action = await asyncio.to_thread(cassandra.ensure_table, points, table)
            if action:
                event(body, f"Table{action.capitalize()}", f"{table.keyspace}.{table.name} {action}")
            checks.append(
                Check("CassandraReady", True, "TableReady", f"{table.keyspace}.{table.name} exists")
            )
    except MissingSetting as exc:
        checks.append(Check("CassandraReady", False, "SecretMissing", str(exc)))
    except cassandra.TableSchemaMismatch as exc:
        checks.append(Check("CassandraReady", False, "TableSchemaMismatch", str(exc)))
    except Exception as exc:
        checks.append(Check("CassandraReady", False, "CassandraUnavailable", f"{type(exc).__name__}: {exc}"))
    return checks


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
    tenant_name = body["spec"]["tenantRef"]["name"]
    tenant_body = await rt.get(tenants.KIND, meta["namespace"], tenant_name)
    if tenant_body is None:
        checks = [
            Check(
                "TenantFound", False, "WaitingForTenant", f"SocialTenant {tenant_name} does not exist (yet)"
            )
        ]
        phase, checks = summarise(checks)
        conditions = merge(status.get("conditions"), checks, generation, now())
        await rt.write_status(
            body, {"phase": "Pending", "observedGeneration": generation, "conditions": conditions}
        )
        return
    if tenant_body["metadata"].get("deletionTimestamp"):
        return  # the tenant's finalizer is dropping the topics and keyspace: creating them again would leak
    shard = build(body, tenant_body)
    deployment: dict[str, Any] | None
    if mode == FULL:
        await attach(rt, body, tenant_body)
        checks = await provision(rt, shard, body)
        deployment = await asyncio.to_thread(rt.kube.apply, shard_deployment(shard))
    else:
        previous = {c["type"]: c for c in status.get("conditions") or []}
        checks = [
            Check(t, previous[t]["status"] == "True", previous[t]["reason"], previous[t].get("message", ""))
            for t in ("KafkaReady", "CassandraReady")
            if t in previous
        ]
        deployment = await rt.get(
            "Deployment", meta["namespace"], f"{shard.name}-fanout", api_version="apps/v1"
        )
    ok, why = deployment_ready(deployment)
    checks.append(
        Check("WorkloadsReady", ok, "AllReplicasReady" if ok else "RollingOut", f"{shard.name}-fanout: {why}")
    )
    phase, checks = summarise(checks)
    new_status = {
        "phase": phase,
        "observedGeneration": generation,
        "conditions": merge(status.get("conditions"), checks, generation, now()),
        "topic": shard.topic,
        "consumerGroup": shard.consumer_group,
        "table": f"{shard.tenant.keyspace}.{shard.table}",
    }
    changed = await rt.write_status(body, new_status)
    # the tenant lists its shards (status) and routes by them (ConfigMap)
    listed = {s["name"]: s["ready"] for s in (tenant_body.get("status") or {}).get("shards") or []}
    if changed or listed.get(shard.name) != (phase == "Ready"):
        rt.schedule(
            tenants.KIND,
            meta["namespace"],
            tenant_name,
            FULL,
            lambda m: tenants.reconcile(rt, meta["namespace"], tenant_name, m),
        )


async def delete(rt: Runtime, body: dict[str, Any]) -> str:
    """Finalizer: the shard's topic and table follow the tenant's retentionPolicy."""
    meta = body["metadata"]
    tenant_body = await rt.get(tenants.KIND, meta["namespace"], body["spec"]["tenantRef"]["name"])
    if tenant_body is None or tenant_body["metadata"].get("deletionTimestamp"):
        return "the tenant is gone or going; its finalizer handles topics and keyspace"
    shard = build(body, tenant_body)
    if shard.tenant.spec.retentionPolicy == "Retain":
        message = f"kept topic {shard.topic} and table {shard.table} (tenant retentionPolicy Retain)"
        event(body, "Retained", message)
        return message
    spec = shard.tenant.spec.datastores
    try:
        bootstrap = await rt.secret(meta["namespace"], spec.kafka.name, spec.kafka.key)
        points = await rt.secret(meta["namespace"], spec.cassandra.name, spec.cassandra.key)
    except MissingSetting as exc:
        message = f"cannot delete topic {shard.topic} and table {shard.table}: {exc}; left in place"
        event(body, "CleanupSkipped", message, warning=True)
        return message
    await kafka.delete_topics(bootstrap, [shard.topic])
    await asyncio.to_thread(cassandra.drop_table, points, shard_table(shard))
    message = f"deleted topic {shard.topic} and dropped table {shard.table}"
    event(body, "Deleted", message)
    return message
