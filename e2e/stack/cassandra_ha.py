"""``cassandra-ha``: three Cassandra nodes of one data centre, each in its own namespace (10.251.0.41-43).

The default profile's Cassandra (e2e/stack/cassandra.py) with its jars and Java, three times: every
node a seed (so any two restart the third), one token each, evenly spaced, and a small heap, so the
three fit in about 3 GiB. Rookery's keyspace is replicated on all three (``NetworkTopologyStrategy``,
``datacenter1: 3``) and read and written at LOCAL_QUORUM: one node may die, stop or be cut off
without a request failing for want of replicas.

"Whole" means what a client of the three needs: through each node as coordinator, a write and a read
at consistency ALL succeed (so each is up and sees the other two up). `isolated` tells when the
failure detectors have noticed a fault: a coordinator answers Unavailable at ALL.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import yaml

from e2e.stack import netns
from e2e.stack.cassandra import CASSANDRA_YAML, LOCAL_DC, PORT, STORAGE_PORT, Cassandra
from e2e.stack.ha import Member, ReplicatedService
from e2e.stack.service import StackContext

CASSANDRA_HA_HEAP = "512m"
HEALTH_KEYSPACE = "rookery_stack_health"
# a small node: caches, memtables and buffers sized to the heap (the defaults assume gigabytes)
SMALL_NODE = {
    "memtable_heap_space": "48MiB",
    "memtable_offheap_space": "48MiB",
    "key_cache_size": "8MiB",
    "file_cache_size": "32MiB",
    "networking_cache_size": "16MiB",
    "commitlog_segment_size": "16MiB",
    "concurrent_compactors": 1,
    # a coordinator gives up on a slow replica before the client (5 s) gives up on it
    "read_request_timeout": "2000ms",
    "range_request_timeout": "4000ms",
}


class CassandraHA(ReplicatedService):
    """Three Cassandra 5 nodes (10.251.0.41-43:9042, gossip on :7000), one data centre."""

    name = "cassandra-ha"
    ports = (PORT, STORAGE_PORT)
    ready_timeout_s = 300.0  # three JVMs starting at once beside the other HA servers, on two cores

    def __init__(self) -> None:
        self.cassandra = Cassandra()  # the default profile's: its Java and its jars
        self.pins = self.cassandra.pins

    def version(self) -> str:
        return f"{self.pins['version']}, 3 nodes, one data centre ({LOCAL_DC}), heap {CASSANDRA_HA_HEAP} each"

    def install(self, ctx: StackContext) -> None:
        self.cassandra.install(ctx)

    def members(self) -> list[Member]:
        return [Member(self.name, f"cassandra-{i}", netns.host(f"cassandra-{i}", 40 + i), PORT) for i in (1, 2, 3)]

    def token(self, member: Member) -> int:
        """Murmur3 tokens spread evenly over the ring, one per node."""
        index = self.members().index(member)
        return -(2**63) + index * (2**64 // len(self.members()))

    def config(self, ctx: StackContext, member: Member) -> dict[str, Any]:
        home = member.home(ctx)
        config: dict[str, Any] = yaml.safe_load(
            CASSANDRA_YAML.format(
                host=member.address, pod_host=member.address, port=PORT, storage_port=STORAGE_PORT, home=home
            )
        )
        del config["broadcast_rpc_address"]
        seeds = ",".join(f"{m.address}:{STORAGE_PORT}" for m in self.members())
        config["seed_provider"][0]["parameters"] = [{"seeds": seeds}]
        config.update(cluster_name="rookery-ha", initial_token=str(self.token(member)), rpc_address=member.address)
        config.update(SMALL_NODE)
        return config

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        for member in self.members():  # all at once: each is a seed with its own token, none bootstraps
            if member.pid(ctx) is None:
                self.start_member(ctx, member)

    def start_member(self, ctx: StackContext, member: Member) -> None:
        """Start one node; after a crash it replays its commit log and rejoins by gossip, and the
        others replay the hints they kept for it."""
        home = member.home(ctx)
        (home / "cassandra.yaml").write_text(yaml.safe_dump(self.config(ctx, member), sort_keys=False))
        memory = [f"-Xms{CASSANDRA_HA_HEAP}", f"-Xmx{CASSANDRA_HA_HEAP}", "-XX:MaxDirectMemorySize=256m"]
        memory += ["-XX:ReservedCodeCacheSize=96m", "-Djava.net.preferIPv4Stack=true"]
        # every node a seed with its own token: nothing to wait for before serving
        ring = ["-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.ring_delay_ms=1000"]
        self.spawn_member(ctx, member, self.cassandra.java_argv(ctx, home, memory, *ring))

    # -- what the nodes say ------------------------------------------------------------------------

    @contextlib.contextmanager
    def session_on(self, member: Member, timeout_s: float = 5.0) -> Iterator[Any]:
        """A driver session whose every request ``member`` coordinates."""
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import FallthroughRetryPolicy, WhiteListRoundRobinPolicy

        logging.getLogger("cassandra").setLevel(logging.CRITICAL)  # a node down is what tests cause
        profile = ExecutionProfile(
            load_balancing_policy=WhiteListRoundRobinPolicy([member.address]),
            retry_policy=FallthroughRetryPolicy(),  # its answer, not a retry's
            request_timeout=timeout_s,
        )
        cluster = Cluster(
            [member.address],
            port=member.port,
            protocol_version=4,
            connect_timeout=timeout_s,
            control_connection_timeout=timeout_s,
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        )
        try:
            yield cluster.connect()
        finally:
            cluster.shutdown()

    def _at_all(self, session: Any, member: Member) -> bool:
        from cassandra import ConsistencyLevel
        from cassandra.query import SimpleStatement

        write = SimpleStatement(
            f"INSERT INTO {HEALTH_KEYSPACE}.probe (node, at) VALUES (%s, toTimestamp(now()))",
            consistency_level=ConsistencyLevel.ALL,
        )
        session.execute(write, (member.name,))
        read = SimpleStatement(
            f"SELECT at FROM {HEALTH_KEYSPACE}.probe WHERE node = %s", consistency_level=ConsistencyLevel.ALL
        )
        return session.execute(read, (member.name,)).one() is not None

    def _health_schema(self, session: Any) -> None:
        replication = f"{{'class': 'NetworkTopologyStrategy', '{LOCAL_DC}': {len(self.members())}}}"
        session.execute(f"CREATE KEYSPACE IF NOT EXISTS {HEALTH_KEYSPACE} WITH replication = {replication}")
        session.execute(f"CREATE TABLE IF NOT EXISTS {HEALTH_KEYSPACE}.probe (node text PRIMARY KEY, at timestamp)")
        if not session.cluster.control_connection.wait_for_schema_agreement(wait_time=30):
            raise RuntimeError("the nodes do not agree on the schema")

    def answers(self, ctx: StackContext) -> bool:
        """Through each node, a write and a read at consistency ALL."""
        try:
            for index, member in enumerate(self.members()):
                with self.session_on(member) as session:
                    if index == 0:
                        self._health_schema(session)
                    if not self._at_all(session, member):
                        return False
            return True
        except Exception:
            return False

    def isolated(self, through: Member) -> bool:
        """``through`` knows that a replica is down (its failure detector convicted one): it answers
        Unavailable to a write at ALL instead of trying."""
        from cassandra import Unavailable

        try:
            with self.session_on(through) as session:
                self._at_all(session, through)
        except Unavailable:
            return True
        except Exception:  # a timeout: it still counts on the replica
            return False
        return False

    def rookery_env(self, ctx: StackContext) -> dict[str, str]:
        return {
            "ROOKERY_CASSANDRA_CONTACT_POINTS": ",".join(f"{m.address}:{m.port}" for m in self.members()),
            "ROOKERY_CASSANDRA_PORT": str(PORT),
            "ROOKERY_CASSANDRA_LOCAL_DC": LOCAL_DC,
            "ROOKERY_CASSANDRA_REPLICATION_FACTOR": str(len(self.members())),
            "ROOKERY_CASSANDRA_READ_CONSISTENCY": "LOCAL_QUORUM",
            "ROOKERY_CASSANDRA_WRITE_CONSISTENCY": "LOCAL_QUORUM",
        }
