"""PostgreSQL adapters (asyncpg): accounts, OAuth, markers, statuses, interactions and the outbox."""
