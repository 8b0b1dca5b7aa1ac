"""Prometheus metrics of the Kafka bus (exported on each process's /metrics)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge

CONSUMER_LAG = Gauge(
    "rookery_kafka_consumer_lag",
    "Messages in the partition after the consumer group's position (high watermark - position).",
    ["group", "topic", "partition"],
)
EVENTS_HANDLED = Counter(
    "rookery_kafka_events_handled_total",
    "Events taken from Kafka by a consumer group, by outcome (ok, retried, dead_lettered, duplicate).",
    ["group", "topic", "outcome"],
)
UNDER_REPLICATED = Gauge(
    "rookery_kafka_under_replicated_partitions",
    "Partitions of the tenant's topics with fewer in-sync replicas than replicas, or no leader, in the"
    " cluster's metadata as this process's last readiness check saw it (a broker down or behind).",
)


def under_replicated(metadata: Any) -> int:
    """Partitions of a MetadataResponse (any version) whose in-sync replicas are fewer than their
    replicas, or that have no leader; topics the cluster answered with an error (not created yet) count
    for nothing."""
    count = 0
    for error_code, *_, partitions in metadata.topics:  # v0: (error, name, partitions); v1+: is_internal too
        if error_code:
            continue
        for _error, _index, leader, replicas, isr, *_ in partitions:  # v5 adds offline replicas
            count += leader < 0 or len(isr) < len(replicas)
    return count
