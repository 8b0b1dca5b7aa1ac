"""Appliers: the only code that talks to the API server, Kafka and Cassandra."""
