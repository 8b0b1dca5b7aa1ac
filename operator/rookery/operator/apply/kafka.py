"""Kafka topics through the admin API: create, grow partitions, align configs, delete."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from rookery.operator.render.topics import TopicSpec

TOPIC_ALREADY_EXISTS = 36
UNKNOWN_TOPIC = 3


class TopicRefused(Exception):
    """A desired topic state Kafka cannot reach (fewer partitions, another replication factor)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclasses.dataclass
class TopicReport:
    created: list[str] = dataclasses.field(default_factory=list)
    grown: list[str] = dataclasses.field(default_factory=list)
    reconfigured: list[str] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.grown or self.reconfigured)


def _admin(bootstrap: str) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="rookery-operator", request_timeout_ms=15000
    )


def _errors(response: Any, key: str) -> list[tuple[str, int, str]]:
    obj = response.to_object()
    out = []
    for entry in obj.get(key, []):
        code = entry.get("error_code", 0)
        if code:
            name = entry.get("topic") or entry.get("name") or ""
            out.append((name, code, entry.get("error_message") or f"error code {code}"))
    return out


async def ensure_topics(bootstrap: str, topics: list[TopicSpec]) -> TopicReport:
    """Bring the topics to their spec; raises TopicRefused when Kafka cannot, changing nothing else."""
    report = TopicReport()
    admin = _admin(bootstrap)
    await admin.start()
    try:
        existing = await _describe_existing(admin, [t.name for t in topics])
        refusals = []
        for topic in topics:
            live = existing.get(topic.name)
            if live is None:
                continue
            partitions = live["partitions"]
            if topic.partitions < len(partitions):
                refusals.append(
                    f"{topic.name} has {len(partitions)} partitions and Kafka cannot remove partitions "
                    f"(asked for {topic.partitions}); keep partitions >= {len(partitions)}"
                )
            replicas = len(partitions[0]["replicas"]) if partitions else topic.replication_factor
            if replicas != topic.replication_factor:
                refusals.append(
                    f"{topic.name} has replication factor {replicas}; changing it to "
                    f"{topic.replication_factor} "
                    "needs a partition reassignment, which the operator does not do"
                )
        if refusals:
            reason = "PartitionDecreaseRefused" if "partitions" in refusals[0] else "ReplicationChangeRefused"
            raise TopicRefused(reason, "; ".join(refusals))

        missing = [t for t in topics if t.name not in existing]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(t.name, t.partitions, t.replication_factor, topic_configs=t.configs)
                    for t in missing
                ]
            )
            errors = [e for e in _errors(response, "topic_errors") if e[1] != TOPIC_ALREADY_EXISTS]
            if errors:
                raise TopicRefused("TopicCreationFailed", "; ".join(f"{n}: {m}" for n, _, m in errors))
            report.created = [t.name for t in missing]

        grow = {
            t.name: NewPartitions(t.partitions)
            for t in topics
            if t.name in existing and t.partitions > len(existing[t.name]["partitions"])
        }
        if grow:
            response = await admin.create_partitions(grow)
            errors = _errors(response, "topic_errors")
            if errors:
                raise TopicRefused("PartitionIncreaseFailed", "; ".join(f"{n}: {m}" for n, _, m in errors))
            report.grown = sorted(grow)

        present = [t for t in topics if t.name in existing]
        if present:
            live_configs = await _configs(admin, [t.name for t in present])
            stale = [
                t
                for t in present
                if any(live_configs.get(t.name, {}).get(k) != v for k, v in t.configs.items())
            ]
            if stale:
                # AlterConfigs replaces a topic's overrides with exactly these: the operator owns them
                await admin.alter_configs(
                    [ConfigResource(ConfigResourceType.TOPIC, t.name, configs=dict(t.configs)) for t in stale]
                )
                report.reconfigured = [t.name for t in stale]
        return report
    finally:
        await admin.close()


async def _describe_existing(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, Any]]:
    # a metadata request for a missing topic may auto-create it: describe only the existing ones
    present = set(await admin.list_topics())
    wanted = [n for n in names if n in present]
    if not wanted:
        return {}
    described = await admin.describe_topics(wanted)
    return {d["topic"]: d for d in described if d.get("error_code", 0) == 0}


async def _configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    out: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.to_object().get("resources", []):
            entries = resource.get("config_entries") or []
            out[resource["resource_name"]] = {e["config_names"]: e["config_value"] for e in entries}
    return out


async def describe_topics(bootstrap: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """name -> {"partitions": n, "replication_factor": r, "configs": {...}} for the topics that exist."""
    admin = _admin(bootstrap)
    await admin.start()
    try:
        live = await _describe_existing(admin, names)
        configs = await _configs(admin, list(live)) if live else {}
        return {
            name: {
                "partitions": len(d["partitions"]),
                "replication_factor": len(d["partitions"][0]["replicas"]) if d["partitions"] else 0,
                "configs": configs.get(name, {}),
            }
            for name, d in live.items()
        }
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, names: list[str]) -> list[str]:
    admin = _admin(bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


async def list_topics(bootstrap: str, prefix: str) -> list[str]:
    admin = _admin(bootstrap)
    await admin.start()
    try:
        return sorted(n for n in await admin.list_topics() if n.startswith(prefix))
    finally:
        await admin.close()
