"""The HA profile (`make stack-up PROFILE=ha`): replicated stores, one node per network namespace.

- ``redis-ha``: a Redis primary and two replicas, each beside a Sentinel (quorum 2); Rookery reaches
  the primary through the Sentinels (``redis+sentinel://``), which promote a replica when the
  primary dies.
- ``postgres-ha``: a PostgreSQL primary and a streaming replica with synchronous commit (an
  acknowledged transaction is on both); nothing promotes on its own: the test promotes the replica
  as an operator such as CloudNativePG would (`PostgresHA.promote`), and `rejoin` makes the old
  primary a replica of the new one. Rookery uses a multi-host DSN with
  ``target_session_attrs=read-write``, so it follows whichever node is writable.

Each node is a `Member`: a server in its namespace (e2e/stack/netns.py) with its own pid file, log
and data dir under the service's state dir, which a test may kill (-9), pause (SIGSTOP), resume,
cut off from its peers or start again on its own. `make stack-status` lists every member.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import signal
import time
import uuid
from typing import Any

from e2e.stack import netns, process
from e2e.stack.base import ProcessService, run_async
from e2e.stack.postgres import DATABASE as PG_DATABASE
from e2e.stack.postgres import PASSWORD, USER, create_database
from e2e.stack.service import StackContext, StackError
from e2e.stack.versions import section


@dataclasses.dataclass(frozen=True)
class Member:
    """One server of a replicated store, on its own host (namespace)."""

    service: str
    name: str  # "redis-1", "sentinel-1", "postgres-2"
    host: netns.Host
    port: int

    @property
    def address(self) -> str:
        return self.host.address

    def home(self, ctx: StackContext) -> pathlib.Path:
        path = ctx.service_dir(self.service) / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def pid_file(self, ctx: StackContext) -> pathlib.Path:
        return self.home(ctx) / f"{self.name}.pid"

    def log(self, ctx: StackContext) -> pathlib.Path:
        return self.home(ctx) / f"{self.name}.log"

    def pid(self, ctx: StackContext) -> int | None:
        pid = process.read_pid(self.pid_file(ctx))
        return pid if pid is not None and process.pid_alive(pid) else None

    def listening(self) -> bool:
        return process.port_open(self.port, self.address)

    def signal(self, ctx: StackContext, signum: int) -> None:
        pid = self.pid(ctx)
        if pid is None:
            raise StackError(self.service, f"{self.name} is not running")
        os.killpg(pid, signum)

    def kill(self, ctx: StackContext) -> None:
        """kill -9, as a crash: no shutdown, no goodbye to its peers."""
        self.signal(ctx, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.pid(ctx) is not None and time.monotonic() < deadline:
            time.sleep(0.05)

    def pause(self, ctx: StackContext) -> None:
        self.signal(ctx, signal.SIGSTOP)

    def resume(self, ctx: StackContext) -> None:
        self.signal(ctx, signal.SIGCONT)


class ReplicatedService(ProcessService):
    """A service of several Members; ``ports`` are every member's (for `make stack-status`)."""

    profile = "ha"
    ready_timeout_s = 90.0

    def members(self) -> list[Member]:
        raise NotImplementedError

    def rookery_env(self, ctx: StackContext) -> dict[str, str]:
        """Rookery's settings for this store (ROOKERY_REDIS_URL ...), what `make stack-env PROFILE=ha` prints."""
        raise NotImplementedError

    def env(self, ctx: StackContext) -> dict[str, str]:
        """The same settings under ROOKERY_HA_*: a test session's stack_env is the union of every
        needed server's env, and the default servers' tests must keep the default servers."""
        return {key.replace("ROOKERY_", "ROOKERY_HA_", 1): value for key, value in self.rookery_env(ctx).items()}

    def member(self, name: str) -> Member:
        return next(m for m in self.members() if m.name == name)

    def start_member(self, ctx: StackContext, member: Member) -> None:
        raise NotImplementedError

    def spawn_member(self, ctx: StackContext, member: Member, argv: list[Any], user: str | None = None) -> int:
        member.host.ensure()
        if member.pid(ctx) is not None:
            raise StackError(self.name, f"{member.name} already runs (pid {member.pid(ctx)})", member.log(ctx))
        if member.listening():
            raise StackError(self.name, f"{member.address}:{member.port} is in use by a process that is not ours")
        command = member.host.argv([str(a) for a in argv], user=user)
        return process.spawn(command, log=member.log(ctx), pid_file=member.pid_file(ctx), cwd=member.home(ctx))

    def stop_member(self, ctx: StackContext, member: Member) -> None:
        pid = member.pid(ctx)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGCONT)  # a paused one cannot handle its stop signal
        process.stop_pid_file(member.pid_file(ctx), timeout=self.stop_timeout_s, signum=self.stop_signal)
        if member.host.exists():
            member.host.heal()

    def log(self, ctx: StackContext) -> pathlib.Path:
        return ctx.log_path(self.name)

    def ports_free(self, ctx: StackContext) -> None:
        for member in self.members():
            if member.pid(ctx) is None and member.host.exists() and member.listening():
                raise self.error(ctx, f"{member.address}:{member.port} is in use by a process that is not ours")

    def stop(self, ctx: StackContext) -> None:
        for member in reversed(self.members()):
            self.stop_member(ctx, member)
        for member in self.members():
            member.host.remove()

    def running(self, ctx: StackContext) -> bool:
        return any(m.pid(ctx) is not None for m in self.members())

    def rss_kib(self, ctx: StackContext) -> int | None:
        sizes = [process.rss_kib(m.pid_file(ctx)) for m in self.members()]
        return sum(s for s in sizes if s) or None

    def reachable_from_pods(self) -> bool:
        return True  # the HA profile serves this machine's tests, not pods

    def healthy(self, ctx: StackContext) -> bool:
        # every member up before the service is asked (a Sentinel or a broker nobody runs would
        # make answers() wait out its timeouts: a minute lost before each start)
        return all(m.host.exists() and m.listening() for m in self.members()) and self.answers(ctx)

    def wait_healthy(self, ctx: StackContext) -> None:
        process.wait_until(self.name, lambda: self.healthy(ctx), timeout=self.ready_timeout_s, log=self.log(ctx))

    def member_rows(self, ctx: StackContext) -> list[dict[str, object]]:
        """For `make stack-status`: each member with its address, pid and memory."""
        rows = []
        for m in self.members():
            kib = process.rss_kib(m.pid_file(ctx))
            rows.append(
                {
                    "name": m.name,
                    "address": f"{m.address}:{m.port}",
                    "pid": m.pid(ctx),
                    "listening": m.host.exists() and m.listening(),
                    "rss_mib": round(kib / 1024) if kib else None,
                    "log": str(m.log(ctx)),
                }
            )
        return rows


# ---------------------------------------------------------------------------------------------- Redis

REDIS_PORT = 6379
SENTINEL_PORT = 26379
REDIS_MASTER = "rookery"
REDIS_SERVER = "/usr/bin/redis-server"
SENTINEL_CONFIG = """\
port {port}
bind {address}
protected-mode no
dir {home}
sentinel monitor {master} {primary} {redis_port} 2
sentinel down-after-milliseconds {master} 2000
sentinel failover-timeout {master} 10000
sentinel parallel-syncs {master} 1
sentinel resolve-hostnames no
"""


class RedisHA(ReplicatedService):
    name = "redis-ha"
    ports = (REDIS_PORT, SENTINEL_PORT)

    def __init__(self) -> None:
        self.pins = section("redis")

    def version(self) -> str:
        return f"{self.pins['major']} (Debian {self.pins['debian_package']}), 3 + 3 Sentinels"

    def install(self, ctx: StackContext) -> None:
        from e2e.stack import apt

        apt.ensure("redis", [self.pins["debian_package"]], pathlib.Path(REDIS_SERVER), self.log(ctx))

    def hosts(self) -> list[netns.Host]:
        return [netns.host(f"redis-{i}", 10 + i) for i in (1, 2, 3)]

    def redis_members(self) -> list[Member]:
        return [Member(self.name, h.name, h, REDIS_PORT) for h in self.hosts()]

    def sentinels(self) -> list[Member]:
        return [Member(self.name, f"sentinel-{i}", h, SENTINEL_PORT) for i, h in enumerate(self.hosts(), 1)]

    def members(self) -> list[Member]:
        return self.redis_members() + self.sentinels()

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        first = self.redis_members()[0]
        for member in self.members():
            if member.pid(ctx) is None:
                self.start_member(ctx, member, primary=first.address)

    def start_member(self, ctx: StackContext, member: Member, primary: str | None = None) -> None:
        """Start one member; a Redis node rejoins as a replica of the current primary (or ``primary``)."""
        home = member.home(ctx)
        if member.name.startswith("sentinel"):
            config = home / "sentinel.conf"
            if not config.exists() or primary is not None:  # Sentinel rewrites it: what it learnt stays
                config.write_text(
                    SENTINEL_CONFIG.format(
                        port=member.port,
                        address=member.address,
                        home=home,
                        master=REDIS_MASTER,
                        primary=primary or self.primary(ctx),
                        redis_port=REDIS_PORT,
                    )
                )
            self.spawn_member(ctx, member, [REDIS_SERVER, config, "--sentinel"])
            return
        lead = primary or self.primary(ctx)
        argv: list[Any] = [REDIS_SERVER, "--bind", member.address, "--port", member.port, "--dir", home]
        argv += ["--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"]
        if lead != member.address:
            argv += ["--replicaof", lead, REDIS_PORT]
        self.spawn_member(ctx, member, argv)

    def _client(self, address: str, port: int) -> Any:
        import redis

        return redis.Redis(host=address, port=port, socket_timeout=2, socket_connect_timeout=2)

    def primary(self, ctx: StackContext) -> str:
        """The primary's address as a majority of the live Sentinels see it."""
        import redis

        votes: dict[str, int] = {}
        for sentinel in self.sentinels():
            try:
                client = self._client(sentinel.address, sentinel.port)
                found = client.sentinel_get_master_addr_by_name(REDIS_MASTER)
                client.close()
            except redis.RedisError:
                continue
            if found:
                address = found[0].decode() if isinstance(found[0], bytes) else str(found[0])
                votes[address] = votes.get(address, 0) + 1
        if not votes:
            raise StackError(self.name, "no Sentinel answers", self.log(ctx))
        return max(votes, key=lambda address: votes[address])

    def answers(self, ctx: StackContext) -> bool:
        """A write on the primary reaches both replicas, and every Sentinel sees 2 replicas + 2 peers."""
        import redis

        try:
            primary = self.primary(ctx)
            client = self._client(primary, REDIS_PORT)
            token = uuid.uuid4().hex
            client.set("rookery:stack:health", token, ex=60)
            replicated = client.wait(2, 2000) == 2
            client.close()
            if not replicated:
                return False
            for sentinel in self.sentinels():
                view = self._client(sentinel.address, sentinel.port)
                master = view.sentinel_master(REDIS_MASTER)
                view.close()
                if int(master["num-slaves"]) < 2 or int(master["num-other-sentinels"]) < 2:
                    return False
            return True
        except (redis.RedisError, StackError, KeyError):
            return False

    def url(self) -> str:
        sentinels = ",".join(f"{s.address}:{s.port}" for s in self.sentinels())
        return f"redis+sentinel://{sentinels}/{REDIS_MASTER}/0"

    def rookery_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_REDIS_URL": self.url()}


# ------------------------------------------------------------------------------------------ PostgreSQL

PG_PORT = 5432
PG_HA_HBA = """\
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all {subnet} scram-sha-256
host replication {user} {subnet} scram-sha-256
"""


class PostgresHA(ReplicatedService):
    name = "postgres-ha"
    ports = (PG_PORT,)
    stop_signal = signal.SIGINT  # "fast" shutdown

    def __init__(self) -> None:
        self.pins = section("postgres")
        self.bin = pathlib.Path(self.pins["bin_dir"])

    def version(self) -> str:
        return f"{self.pins['major']} (Debian {self.pins['debian_package']}), primary + synchronous standby"

    def install(self, ctx: StackContext) -> None:
        from e2e.stack import apt

        apt.ensure("postgres", [self.pins["debian_package"]], self.bin / "postgres", self.log(ctx))

    def members(self) -> list[Member]:
        return [Member(self.name, f"postgres-{i}", netns.host(f"postgres-{i}", 20 + i), PG_PORT) for i in (1, 2)]

    def data_dir(self, ctx: StackContext, member: Member) -> pathlib.Path:
        return member.home(ctx) / "data"

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        primary, standby = self.members()
        user = process.stack_user()
        if not (self.data_dir(ctx, primary) / "PG_VERSION").exists():
            self._initdb(ctx, primary, user)
            self._auto_conf(ctx, primary, synchronous_standby_names=self._synchronous())
        if primary.pid(ctx) is None:
            self.start_member(ctx, primary)
        if standby.pid(ctx) is None:
            if not (self.data_dir(ctx, standby) / "PG_VERSION").exists():
                process.wait_until(self.name, lambda: self._database_made(primary), timeout=60, log=primary.log(ctx))
                self._base_backup(ctx, standby, primary, user)
            self.start_member(ctx, standby)

    def _initdb(self, ctx: StackContext, member: Member, user: str | None) -> None:
        home = member.home(ctx)
        pwfile = home / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        process.give_to(user, home)
        argv = [self.bin / "initdb", "-D", self.data_dir(ctx, member), "-U", USER, "--auth=scram-sha-256"]
        argv += [f"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C.UTF-8"]
        process.run(self.name, argv, log=member.log(ctx), user=user)
        pwfile.unlink()

    def _base_backup(self, ctx: StackContext, member: Member, source: Member, user: str | None) -> None:
        """``member``'s data dir as a fresh copy of ``source``, set up to stream from it."""
        home = member.home(ctx)
        data = self.data_dir(ctx, member)
        process.run(self.name, ["rm", "-rf", data], log=member.log(ctx))
        process.give_to(user, home)
        argv = [self.bin / "pg_basebackup", "-h", source.address, "-p", source.port, "-U", USER, "-D", data]
        argv += ["-R", "-X", "stream", "--checkpoint=fast"]
        process.run(self.name, argv, log=member.log(ctx), user=user, env={"PGPASSWORD": PASSWORD}, timeout=300)
        conninfo = (
            f"host={source.address} port={source.port} user={USER} password={PASSWORD} application_name={member.name}"
        )
        self._auto_conf(ctx, member, primary_conninfo=conninfo)

    def start_member(self, ctx: StackContext, member: Member) -> None:
        home = member.home(ctx)
        hba = home / "pg_hba.conf"
        hba.write_text(PG_HA_HBA.format(subnet=netns.SUBNET, user=USER))
        user = process.stack_user()
        process.give_to(user, home)
        settings = {
            "listen_addresses": member.address,
            "port": member.port,
            "hba_file": hba,
            "unix_socket_directories": home,
            "max_connections": 200,
            "wal_level": "replica",
            "max_wal_senders": 5,
            "hot_standby": "on",
            "wal_keep_size": "256MB",
            "cluster_name": member.name,
            # a throwaway cluster: an OS crash is out of scope (kill -9 loses nothing written)
            "fsync": "off",
            "full_page_writes": "off",
        }  # synchronous_standby_names lives in postgresql.auto.conf: promote() changes it
        argv: list[Any] = [self.bin / "postgres", "-D", self.data_dir(ctx, member)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        self.spawn_member(ctx, member, argv, user=user)

    def _auto_conf(self, ctx: StackContext, member: Member, **settings: str) -> None:
        """Append settings to ``member``'s postgresql.auto.conf (later lines win), while it is stopped."""
        conf = self.data_dir(ctx, member) / "postgresql.auto.conf"
        lines = "".join(f"{key} = '{value}'\n" for key, value in settings.items())
        conf.write_text(conf.read_text() + lines)

    def _synchronous(self) -> str:
        """Commit once any one standby has it (a node never waits for itself: its name never connects)."""
        names = ", ".join(f'"{m.name}"' for m in self.members())
        return f"ANY 1 ({names})"

    def _database_made(self, primary: Member) -> bool:
        """The database clients use exists on ``primary`` (created now when missing); False while down."""
        try:
            run_async(create_database(self.dsn(primary, "postgres"), PG_DATABASE, wait_s=30), timeout=35)
            return True
        except Exception:
            return False

    def _query(self, member: Member, sql: str, timeout: float = 5, database: str = PG_DATABASE) -> Any:
        import asyncpg

        async def ask() -> Any:
            conn = await asyncpg.connect(self.dsn(member, database), timeout=timeout)
            try:
                return await conn.fetchval(sql)
            finally:
                await conn.close()

        return run_async(ask(), timeout=timeout + 2)

    def dsn(self, member: Member | None = None, database: str = PG_DATABASE) -> str:
        if member is not None:
            return f"postgresql://{USER}:{PASSWORD}@{member.address}:{member.port}/{database}"
        hosts = ",".join(f"{m.address}:{m.port}" for m in self.members())
        return f"postgresql://{USER}:{PASSWORD}@{hosts}/{database}?target_session_attrs=read-write"

    def role(self, member: Member) -> str:
        """ "primary", "standby" or "down"."""
        try:
            return "standby" if self._query(member, "SELECT pg_is_in_recovery()", timeout=2) else "primary"
        except Exception:
            return "down"

    def answers(self, ctx: StackContext) -> bool:
        """One primary, every other member streaming from it synchronously, the database there."""
        try:
            roles = [self.role(m) for m in self.members()]
            if roles.count("primary") != 1 or roles.count("standby") != len(roles) - 1:
                return False
            primary = self.members()[roles.index("primary")]
            if not self._query(primary, "SELECT 1 FROM pg_database WHERE datname = current_database()"):
                return False
            streaming = self._query(
                primary,
                "SELECT count(*) FROM pg_stat_replication"
                " WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')",
            )
            return int(streaming) == len(roles) - 1
        except Exception:
            return False

    def promote(self, ctx: StackContext, member: Member) -> None:
        """Make ``member`` the primary (its old primary is gone): promote it, and commit without
        waiting for a standby until one rejoins."""
        self._query(member, "SELECT pg_promote(true, 30)", timeout=35)
        self._query(member, "ALTER SYSTEM SET synchronous_standby_names = ''")
        self._query(member, "SELECT pg_reload_conf()")

    def rejoin(self, ctx: StackContext, member: Member) -> None:
        """Rebuild the stopped ``member`` as a synchronous standby of the current primary."""
        roles = {m.name: self.role(m) for m in self.members() if m != member}
        primary = next(m for m in self.members() if roles.get(m.name) == "primary")
        if member.pid(ctx) is not None:
            self.stop_member(ctx, member)
        self._base_backup(ctx, member, primary, process.stack_user())
        self.start_member(ctx, member)
        self._query(primary, f"ALTER SYSTEM SET synchronous_standby_names = '{self._synchronous()}'")
        self._query(primary, "SELECT pg_reload_conf()")

    def rookery_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_POSTGRES_DSN": self.dsn()}


# ----------------------------------------------------------------------------------------------- Kafka

KAFKA_PORT, KAFKA_CONTROLLER_PORT = 9092, 9093
KAFKA_HEAP = "384m"  # a few hundred partitions at most: the campaign's tenants, the health topic
KAFKA_HEALTH_TOPIC = "rookery-stack-health"
KAFKA_HA_PROPERTIES = """\
process.roles=broker,controller
node.id={node_id}
controller.quorum.voters={voters}
listeners=PLAINTEXT://{address}:{port},CONTROLLER://{address}:{controller_port}
advertised.listeners=PLAINTEXT://{address}:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
unclean.leader.election.enable=false
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
background.threads=2
log.retention.hours=24
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
replica.lag.time.max.ms=10000
"""


class KafkaHA(ReplicatedService):
    """Three Kafka brokers in KRaft combined mode (broker + controller each; the controller quorum
    is the three), topics replicated three times with ``min.insync.replicas=2``: an ``acks=all``
    write is on two brokers at least, and one broker may die without refusing writes. A broker
    missing its heartbeats for 4 s is fenced, and its partitions' leadership moves to an in-sync
    replica (never an out-of-sync one: unclean election is off)."""

    name = "kafka-ha"
    ports = (KAFKA_PORT, KAFKA_CONTROLLER_PORT)
    ready_timeout_s = 180.0

    def __init__(self) -> None:
        from e2e.stack.kafka import LOG4J, Kafka

        self.pins = section("kafka")
        self.kafka = Kafka()  # the default profile's: its Java and its jars
        self.log4j = LOG4J

    def version(self) -> str:
        return f"{self.pins['version']}, 3 brokers (KRaft, combined), RF 3, min ISR 2"

    def install(self, ctx: StackContext) -> None:
        self.kafka.install(ctx)

    def members(self) -> list[Member]:
        return [Member(self.name, f"kafka-{i}", netns.host(f"kafka-{i}", 30 + i), KAFKA_PORT) for i in (1, 2, 3)]

    @staticmethod
    def node_id(member: Member) -> int:
        return int(member.name.rsplit("-", 1)[1])

    def bootstrap(self) -> str:
        return ",".join(f"{m.address}:{m.port}" for m in self.members())

    def data_dir(self, ctx: StackContext, member: Member) -> pathlib.Path:
        return member.home(ctx) / "data"

    def _java(self, ctx: StackContext, member: Member, main: str, *args: str) -> list[str]:
        memory = ["-Xms64m", f"-Xmx{KAFKA_HEAP}", "-XX:ReservedCodeCacheSize=64m", "-Xss512k"]
        memory.append("-Djava.net.preferIPv4Stack=true")
        return self.kafka.java_argv(ctx, member.home(ctx), memory, main, *args)

    def _cluster_id(self, ctx: StackContext) -> str:
        path = ctx.service_dir(self.name) / "cluster.id"
        if not path.exists():
            import base64

            path.write_text(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))
        return path.read_text().strip()

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        for member in self.members():
            if member.pid(ctx) is None:
                self.start_member(ctx, member)

    def start_member(self, ctx: StackContext, member: Member) -> None:
        """Start one broker (formatted on its first start); it rejoins the quorum and catches up."""
        home = member.home(ctx)
        voters = ",".join(f"{self.node_id(m)}@{m.address}:{KAFKA_CONTROLLER_PORT}" for m in self.members())
        config = home / "server.properties"
        config.write_text(
            KAFKA_HA_PROPERTIES.format(
                node_id=self.node_id(member),
                voters=voters,
                address=member.address,
                port=KAFKA_PORT,
                controller_port=KAFKA_CONTROLLER_PORT,
                data=self.data_dir(ctx, member),
            )
        )
        (home / "log4j.properties").write_text(self.log4j)
        if not (self.data_dir(ctx, member) / "meta.properties").exists():
            format_argv = ["-t", self._cluster_id(ctx), "-c", str(config)]
            process.run(
                self.name,
                self._java(ctx, member, "kafka.tools.StorageTool", "format", *format_argv),
                log=member.log(ctx),
            )
        self.spawn_member(ctx, member, self._java(ctx, member, "kafka.Kafka", str(config)))

    # -- what the cluster says ---------------------------------------------------------------------

    def _admin(self, timeout_ms: int = 5000) -> Any:
        import logging

        from aiokafka.admin import AIOKafkaAdminClient

        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # retries against a dead broker are expected
        return AIOKafkaAdminClient(bootstrap_servers=self.bootstrap(), request_timeout_ms=timeout_ms)

    def describe(self, topics: list[str] | None = None) -> tuple[set[int], list[dict[str, Any]]]:
        """(the ids of the brokers in the cluster's metadata, every partition of ``topics`` (all when
        None) as {"topic", "partition", "leader", "replicas", "isr"})."""

        async def ask() -> tuple[set[int], list[dict[str, Any]]]:
            admin = self._admin()
            await admin.start()
            try:
                cluster = await admin.describe_cluster()
                described = await admin.describe_topics(topics)
            finally:
                await admin.close()
            brokers = {int(b["node_id"]) for b in cluster["brokers"]}
            partitions = [
                {
                    "topic": t["topic"],
                    "partition": p["partition"],
                    "leader": p["leader"],
                    "replicas": list(p["replicas"]),
                    "isr": list(p["isr"]),
                }
                for t in described
                for p in t["partitions"]
            ]
            return brokers, partitions

        return run_async(ask(), timeout=20)

    def by_node_id(self, node_id: int) -> Member:
        return next(m for m in self.members() if self.node_id(m) == node_id)

    def partition_leader(self, topic: str, partition: int = 0) -> Member:
        """The broker leading ``topic``'s ``partition`` now."""
        _, partitions = self.describe([topic])
        found = next((p for p in partitions if p["topic"] == topic and p["partition"] == partition), None)
        if found is None or found["leader"] < 0:
            raise StackError(self.name, f"{topic}-{partition} has no leader")
        return self.by_node_id(found["leader"])

    def active_controller(self, ctx: StackContext) -> Member:
        """The leader of the KRaft controller quorum, as the live voters recorded it last (each
        writes its election state, the leader's id and epoch, to its metadata log's quorum-state)."""
        import json

        views: dict[tuple[int, int], int] = {}
        for member in self.members():
            if member.pid(ctx) is None:
                continue
            path = self.data_dir(ctx, member) / "__cluster_metadata-0" / "quorum-state"
            with contextlib.suppress(OSError, ValueError):
                state = json.loads(path.read_text())
                if int(state.get("leaderId", -1)) >= 0:
                    key = (int(state["leaderEpoch"]), int(state["leaderId"]))
                    views[key] = views.get(key, 0) + 1
        if not views:
            raise StackError(self.name, "no live voter knows a controller leader", self.log(ctx))
        (_, leader), seen = max(views.items())
        member = self.by_node_id(leader)
        if member.pid(ctx) is None or seen < 2:
            raise StackError(self.name, f"no agreed live controller leader yet ({views})", self.log(ctx))
        return member

    def answers(self, ctx: StackContext) -> bool:
        """The metadata names the three brokers, every partition has its three replicas in sync, and
        a produce with acks=all is acknowledged."""
        try:
            brokers, partitions = self.describe()
        except Exception:
            return False
        if brokers != {self.node_id(m) for m in self.members()}:
            return False
        if any(len(p["isr"]) < len(p["replicas"]) or p["leader"] < 0 for p in partitions):
            return False
        return self.probe(self._produce(), timeout=20)

    async def _produce(self) -> bool:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap(), acks="all", enable_idempotence=True, request_timeout_ms=10000
        )
        await producer.start()
        try:
            meta = await producer.send_and_wait(KAFKA_HEALTH_TOPIC, b"ping")
            return meta.offset >= 0
        finally:
            await producer.stop()

    def rookery_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_KAFKA_BOOTSTRAP": self.bootstrap(), "ROOKERY_KAFKA_REPLICATION_FACTOR": "3"}


def ha_services() -> list[ProcessService]:
    from e2e.stack.cassandra_ha import CassandraHA  # its own module (it builds on Member)

    return [PostgresHA(), RedisHA(), KafkaHA(), CassandraHA()]
