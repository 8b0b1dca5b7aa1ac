"""Cassandra adapters (production): the social graph, home timelines and notifications.

``session.CassandraSession`` is the one connection of a process (token-aware routing, consistency
from settings, asyncio bridge, 503 on outages); ``migrations`` holds the versioned CQL applied by
`rookery migrate`. README "Cassandra tables" lists every table with its partition key.
"""
