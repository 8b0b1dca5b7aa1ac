"""Deleting a tenant must not race its shards' reconciles into re-creating topics (no cluster here).

The cluster test (test_delete_follows_retention_policy) once saw a shard's fan-out topic survive the tenant's
finalizer: the shard's reconcile had read the tenant just before the deletion and created the topic again
after the finalizer listed the tenant's topics. These tests pin the two rules that close that window.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rookery.operator import API_VERSION
from rookery.operator.reconcile import runtime as runtime_module
from rookery.operator.reconcile import shards, tenants
from rookery.operator.reconcile.runtime import FULL, Runtime

TENANT_SPEC = {
    "image": "ghcr.io/rookery-social/rookery:0.1.0",
    "host": "birdhouse.example.org",
    "kafka": {"partitions": 2, "replicationFactor": 1},
    "cassandra": {"replication": {"strategy": "SimpleStrategy", "replicationFactor": 1}},
    "retentionPolicy": "Delete",
}


def _tenant(deleting: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "birdhouse", "namespace": "social", "uid": "t-1"}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-21T00:00:00Z"
    return {"apiVersion": API_VERSION, "kind": "SocialTenant", "metadata": meta, "spec": TENANT_SPEC}


SHARD = {
    "apiVersion": API_VERSION,
    "kind": "FeedShard",
    "metadata": {"name": "birdhouse-s0", "namespace": "social", "uid": "s-1", "generation": 1},
    "spec": {"tenantRef": {"name": "birdhouse"}, "hashRange": {"start": 0, "end": 4294967296}},
}


class Kube:
    """Reads only; any write (apply, patch, status) would fail the test with AttributeError."""

    def __init__(self, tenant: dict[str, Any]) -> None:
        self.tenant = tenant

    def get(self, api_version: str, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
        return {"SocialTenant": self.tenant, "FeedShard": SHARD}.get(kind)

    def list(self, api_version: str, kind: str, namespace: str, selector: str) -> list[dict[str, Any]]:
        return [SHARD] if kind == "FeedShard" else []

    def secret_value(self, namespace: str, name: str, key: str) -> str:
        return "127.0.0.1:1"


@pytest.fixture
def datastores(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    async def ensure_topics(bootstrap: str, topics: Any) -> Any:
        calls.append("ensure_topics")
        raise AssertionError("a shard of a tenant being deleted must not create topics")

    async def list_topics(bootstrap: str, prefix: str) -> list[str]:
        calls.append("list_topics")
        return []

    async def delete_topics(bootstrap: str, names: list[str]) -> list[str]:
        calls.append("delete_topics")
        return names

    monkeypatch.setattr(shards.kafka, "ensure_topics", ensure_topics)
    monkeypatch.setattr(tenants.kafka, "list_topics", list_topics)
    monkeypatch.setattr(tenants.kafka, "delete_topics", delete_topics)
    monkeypatch.setattr(tenants.cassandra, "drop_keyspace", lambda points, keyspace: calls.append("drop"))
    monkeypatch.setattr(tenants, "event", lambda *a, **k: None)
    monkeypatch.setattr(runtime_module, "event", lambda *a, **k: None)
    return calls


async def test_a_shard_of_a_deleting_tenant_leaves_the_datastores_alone(datastores: list[str]) -> None:
    await shards.reconcile(Runtime(Kube(_tenant(deleting=True))), "social", "birdhouse-s0", FULL)
    assert datastores == []


async def test_the_tenant_finalizer_waits_for_a_shard_reconcile_in_flight(datastores: list[str]) -> None:
    rt = Runtime(Kube(_tenant(deleting=True)))
    in_flight = rt.lock("FeedShard", "social", "birdhouse-s0")
    await in_flight.acquire()
    finalizer = asyncio.create_task(tenants.delete(rt, _tenant(deleting=True)))
    await asyncio.sleep(0.2)
    assert datastores == []  # still waiting: listing now could miss a topic the shard is about to create
    in_flight.release()
    assert "deleted 0 Kafka topics" in await asyncio.wait_for(finalizer, 5)
    assert datastores == ["list_topics", "delete_topics", "drop"]
