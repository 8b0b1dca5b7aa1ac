"""Prometheus metrics of the Kafka bus (exported on each process's /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONSUMER_LAG = Gauge(
    "rookery_kafka_consumer_lag",
    "Messages in the partition after the consumer group's position (high watermark - position).",
    ["group", "topic", "partition"],
)
EVENTS_HANDLED = Counter(
    "rookery_kafka_events_handled_total",
    "Events taken from Kafka by a consumer group, by outcome (ok, retried, dead_lettered).",
    ["group", "topic", "outcome"],
)
