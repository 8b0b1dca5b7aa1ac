"""Kafka topics: the tenant's '<tenant>.<stream>' topics and each FeedShard's fan-out topic."""

from __future__ import annotations

import dataclasses

from rookery.operator.models import STREAMS, TopicSettings
from rookery.operator.render.common import Shard, Tenant

HOUR_MS = 3_600_000
# parked events are kept a month so that someone can look at them
STREAM_DEFAULTS = {"dead-letter": TopicSettings(retentionHours=720)}


@dataclasses.dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]


def tenant_topics(tenant: Tenant) -> list[TopicSpec]:
    kafka = tenant.spec.kafka
    out = []
    for stream in STREAMS:
        override = kafka.topics.get(stream) or STREAM_DEFAULTS.get(stream) or TopicSettings()
        hours = override.retentionHours or kafka.retentionHours
        out.append(
            TopicSpec(
                name=f"{tenant.name}.{stream}",
                partitions=override.partitions or kafka.partitions,
                replication_factor=kafka.replicationFactor,
                configs={
                    "retention.ms": str(hours * HOUR_MS),
                    "cleanup.policy": override.cleanupPolicy or kafka.cleanupPolicy,
                },
            )
        )
    return out


def shard_topics(shard: Shard) -> list[TopicSpec]:
    kafka = shard.tenant.spec.kafka
    return [
        TopicSpec(
            name=shard.topic,
            partitions=shard.spec.partitions,
            replication_factor=kafka.replicationFactor,
            configs={"retention.ms": str(kafka.retentionHours * HOUR_MS), "cleanup.policy": "delete"},
        )
    ]
