"""Redis adapters: hot timelines, caches, token-bucket rate limits, locks, idempotency keys,
pub/sub for streaming, processed-event dedupe. Every key carries a Redis Cluster hash tag."""
