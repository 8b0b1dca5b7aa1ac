"""Apache Cassandra 5, `cassandra-all` and its dependencies from Maven Central, run on Java 17."""

from __future__ import annotations

import logging
import pathlib

from e2e.stack import hostnet, process
from e2e.stack.base import JavaService
from e2e.stack.service import StackContext

PORT, STORAGE_PORT = 9042, 7000
HEAP = "1g"
LOCAL_DC = "datacenter1"

CASSANDRA_YAML = """\
cluster_name: rookery
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{host}:{storage_port}"
listen_address: {host}
# the native transport binds one address: all of them, so that clients here (127.0.0.1) and pods
# (POD_HOST) both reach it; it tells clients POD_HOST, an address both can reach (one node: the
# drivers use the contact point they connected through for it anyway)
rpc_address: 0.0.0.0
broadcast_rpc_address: {pod_host}
storage_port: {storage_port}
native_transport_port: {port}
start_native_transport: true
data_file_directories: [{home}/data]
commitlog_directory: {home}/commitlog
saved_caches_directory: {home}/saved_caches
hints_directory: {home}/hints
cdc_raw_directory: {home}/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
memtable_heap_space: 128MiB
memtable_offheap_space: 128MiB
key_cache_size: 16MiB
# test keyspaces come and go: no snapshot on DROP/TRUNCATE
auto_snapshot: false
materialized_views_enabled: true
sasi_indexes_enabled: true
"""
LOGBACK = """\
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{{ISO8601}} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
"""
# Cassandra's own conf/jvm17-server.options (JPMS openings its internals need on Java 17)
JVM17_OPTIONS = [
    "-Djdk.attach.allowAttachSelf=true",
    "--add-exports",
    "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports",
    "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports",
    "java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports",
    "java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports",
    "java.sql/java.sql=ALL-UNNAMED",
    "--add-exports",
    "java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports",
    "jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports",
    "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports",
    "jdk.attach/sun.tools.attach=ALL-UNNAMED",
    "--add-opens",
    "java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens",
    "java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens",
    "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens",
    "java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens",
    "java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens",
    "java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens",
    "java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens",
    "jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens",
    "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens",
    "java.base/java.io=ALL-UNNAMED",
    "--add-opens",
    "java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens",
    "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens",
    "java.base/java.lang=ALL-UNNAMED",
    "--add-opens",
    "java.base/java.util=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dio.netty.allocator.useCacheForAllThreads=true",
    "-Dio.netty.allocator.maxOrder=11",
]


class Cassandra(JavaService):
    name = "cassandra"
    ports = (PORT, STORAGE_PORT)
    pod_ports = (PORT,)
    ready_timeout_s = 240.0

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        home = ctx.service_dir(self.name)
        config = home / "cassandra.yaml"
        config.write_text(
            CASSANDRA_YAML.format(
                host=process.HOST, pod_host=hostnet.POD_HOST, port=PORT, storage_port=STORAGE_PORT, home=home
            )
        )
        memory = [f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:G1HeapRegionSize=16m"]
        # one node, nobody to gossip with: skip the waits meant for real rings
        ring = ["-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.ring_delay_ms=0"]
        self.spawn(ctx, self.java_argv(ctx, home, memory, *ring, "-Dcassandra.initial_token=0"), cwd=home)

    def java_argv(self, ctx: StackContext, home: pathlib.Path, memory: list[str], *properties: str) -> list[str]:
        """The daemon on the Cassandra jars with ``home``'s cassandra.yaml (its logback.xml written
        here), data and logs in ``home``, ``memory`` its heap flags, ``properties`` more -D flags."""
        lib = self.fetch(ctx)
        (home / "logback.xml").write_text(LOGBACK.format())
        jamm = next(lib.glob("jamm-*.jar"), None)
        return [
            self.java(ctx),
            *memory,
            "-Xss256k",
            "-XX:+UseG1GC",
            "-XX:+ParallelRefProcEnabled",
            "-XX:MaxTenuringThreshold=1",
            "-XX:MaxGCPauseMillis=300",
            "-XX:+PerfDisableSharedMem",
            *JVM17_OPTIONS,
            *([f"-javaagent:{jamm}"] if jamm else []),
            f"-Dcassandra.config=file://{home / 'cassandra.yaml'}",
            f"-Dlogback.configurationFile={home / 'logback.xml'}",
            f"-Dcassandra.storagedir={home}",
            f"-Dcassandra.logdir={home}",
            "-Dcassandra-foreground=yes",
            *properties,
            "-cp",
            f"{lib}/*",
            "org.apache.cassandra.service.CassandraDaemon",
        ]

    def answers(self, ctx: StackContext) -> bool:
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import DCAwareRoundRobinPolicy

        logging.getLogger("cassandra").setLevel(logging.CRITICAL)
        profile = ExecutionProfile(
            load_balancing_policy=DCAwareRoundRobinPolicy(local_dc=LOCAL_DC), request_timeout=10
        )
        cluster = Cluster(
            [process.HOST],
            port=PORT,
            connect_timeout=5,
            protocol_version=4,  # as the workloads: see adapters/cassandra/session.py
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        )
        try:
            session = cluster.connect()
            row = session.execute("SELECT release_version FROM system.local").one()
            return row is not None and bool(row.release_version)
        except Exception:
            return False
        finally:
            cluster.shutdown()

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {
            "ROOKERY_CASSANDRA_CONTACT_POINTS": f"{process.HOST}:{PORT}",  # Settings: host[:port],...
            "ROOKERY_CASSANDRA_PORT": str(PORT),
            "ROOKERY_CASSANDRA_LOCAL_DC": LOCAL_DC,
        }

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {**self.env(ctx), "ROOKERY_CASSANDRA_CONTACT_POINTS": f"{hostnet.POD_HOST}:{PORT}"}
