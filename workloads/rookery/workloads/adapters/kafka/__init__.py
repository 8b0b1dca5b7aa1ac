"""Kafka adapters: the EventBus port (idempotent producer, consumer groups, dead-letter topic),
topic creation for dev/test, consumer-lag metrics."""
