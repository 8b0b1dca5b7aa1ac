"""Production-mode processes for e2e tests: `rookery migrate|serve|worker` as subprocesses
configured only by ROOKERY_* settings, a private PostgreSQL server for fault tests, and an HTTP
client that registers Mastodon users the way apps do."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx

from e2e import servers
from e2e.forms import app_form, bearer, grant, signup
from e2e.servers import free_port
from e2e.stack import process
from e2e.stack.versions import section

FAST = {
    "ROOKERY_PASSWORD_TIME_COST": "1",
    "ROOKERY_PASSWORD_MEMORY_KIB": "8192",
    "ROOKERY_LOG_LEVEL": "warning",
    "ROOKERY_RATE_LIMITS_ENABLED": "false",
    "ROOKERY_KAFKA_CREATE_TOPICS": "true",
}


@functools.lru_cache(maxsize=1)
def tenant_keys() -> dict[str, str]:
    """What the operator's <tenant>-keys Secret gives every pod: one signing key and one VAPID key,
    generated once per test session (shared by every process, as replicas share the Secret)."""
    from rookery.workloads.adapters.local.keys import generate_pem
    from rookery.workloads.adapters.local.push import generate_vapid_pem

    return {"ROOKERY_SIGNING_KEYS": generate_pem(), "ROOKERY_VAPID_PRIVATE_KEY": generate_vapid_pem()}


def production_env(
    stack: dict[str, str], data_dir: pathlib.Path, *, cassandra_keyspace: str = "", **overrides: str
) -> dict[str, str]:
    """A fresh tenant (topics, Redis keys, PostgreSQL schema) on the stack's servers; with a
    keyspace, graph, timelines, notifications and chats go to Cassandra too."""
    tenant = "e" + uuid.uuid4().hex[:12]
    if cassandra_keyspace:
        overrides = {
            "ROOKERY_CASSANDRA_CONTACT_POINTS": stack["ROOKERY_CASSANDRA_CONTACT_POINTS"],
            "ROOKERY_CASSANDRA_LOCAL_DC": stack.get("ROOKERY_CASSANDRA_LOCAL_DC", ""),
            "ROOKERY_CASSANDRA_KEYSPACE": cassandra_keyspace,
            "ROOKERY_CASSANDRA_CREATE_KEYSPACE": "true",
            **overrides,
        }
    return {
        **FAST,
        **tenant_keys(),
        "ROOKERY_TENANT": tenant,
        "ROOKERY_POSTGRES_DSN": stack["ROOKERY_POSTGRES_DSN"],
        "ROOKERY_POSTGRES_SCHEMA": tenant,
        "ROOKERY_REDIS_URL": stack["ROOKERY_REDIS_URL"],
        "ROOKERY_KAFKA_BOOTSTRAP": stack["ROOKERY_KAFKA_BOOTSTRAP"],
        "ROOKERY_DATA_DIR": str(data_dir),
        **overrides,
    }


def rookery(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rookery.workloads.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_only_root(tmp: pathlib.Path) -> list[str]:
    """A command prefix that runs the rest as a pod's container would: in its own mount namespace,
    ``tmp`` mounted on /tmp (writable) and then the root filesystem remounted read-only, so any write
    elsewhere fails with EROFS (needs CAP_SYS_ADMIN, as the stack's node does)."""
    script = 'mount --bind "$1" /tmp && mount -o remount,bind,ro / && shift && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(tmp)]


@dataclasses.dataclass
class Proc:
    """`rookery serve ...` or `rookery worker ...` on a free port, ready once /healthz answers."""

    args: list[str]
    env: dict[str, str]
    log_path: pathlib.Path
    port: int = dataclasses.field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None
    cwd: pathlib.Path | None = None  # the working directory (default: this process's)
    # a pod's filesystem: the root read-only and this directory as /tmp (a private mount namespace)
    read_only_root_tmp: pathlib.Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90.0) -> Proc:
        env = {**os.environ, **self.env, "ROOKERY_PUBLIC_URL": self.env.get("ROOKERY_PUBLIC_URL", self.url)}
        argv = [sys.executable, "-m", "rookery.workloads.cli", *self.args, "--port", str(self.port)]
        if self.read_only_root_tmp is not None:
            argv = [*read_only_root(self.read_only_root_tmp), *argv]
        log = self.log_path.open("ab")
        self.popen = servers.launch(
            argv, health_url=f"{self.url}/healthz", name=" ".join(self.args), timeout_s=timeout_s, interval_s=0.2,
            evidence=self.log, env=env, stdout=log, stderr=log, cwd=self.cwd,
        )  # fmt: skip
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye to Kafka, no commit of the batch in hand."""
        if self.popen is not None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()
            self.popen = None

    def stop(self) -> None:
        if self.popen is not None:
            servers.stop(self.popen, timeout_s=30)
            self.popen = None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""


@contextlib.contextmanager
def running(*procs: Proc) -> Iterator[tuple[Proc, ...]]:
    started: list[Proc] = []
    try:
        for proc in procs:
            started.append(proc.start())
        yield procs
    finally:
        for proc in reversed(started):
            proc.stop()


@dataclasses.dataclass
class Client:
    """Registers accounts over HTTP exactly as a Mastodon app does."""

    base: str
    http: httpx.Client = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=30)
        app = self.http.post("/api/v1/apps", data=app_form("e2e", "read write follow"))
        app.raise_for_status()
        self.app = app.json()
        token = self.http.post("/oauth/token", data=grant(self.app, "client_credentials", scope="read write follow"))
        token.raise_for_status()
        self.app_token = token.json()["access_token"]

    def register(self, username: str) -> dict[str, Any]:
        form = signup(username, "correct horse battery", email=f"{username}@example.com", locale="en")
        response = self.http.post("/api/v1/accounts", headers=bearer(self.app_token), data=form)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        me = self.http.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status_code == 200, me.text
        return {"id": me.json()["id"], "headers": {"Authorization": f"Bearer {token}"}}

    def follow(self, follower: dict[str, Any], target: dict[str, Any]) -> None:
        followed = self.http.post(f"/api/v1/accounts/{target['id']}/follow", headers=follower["headers"])
        assert followed.status_code == 200, followed.text

    def follow_each(self, followers: list[dict[str, Any]], targets: list[dict[str, Any]]) -> None:
        """Every follower follows every target."""
        for follower in followers:
            for target in targets:
                self.follow(follower, target)

    def close(self) -> None:
        self.http.close()


# -- a private PostgreSQL server (fault tests stop it without touching the shared stack) ----------


@dataclasses.dataclass
class PrivatePostgres:
    root: pathlib.Path
    port: int = dataclasses.field(default_factory=free_port)

    @property
    def dsn(self) -> str:
        return f"postgresql://rookery:rookery@127.0.0.1:{self.port}/postgres"

    @property
    def pid_file(self) -> pathlib.Path:
        return self.root / "postgres.pid"

    def init(self) -> None:
        bin_dir = pathlib.Path(section("postgres")["bin_dir"])
        user = process.stack_user()  # PostgreSQL refuses to run as root
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "pwfile").write_text("rookery\n")
        process.give_to(user, self.root)
        process.run(
            "postgres",
            [bin_dir / "initdb", "-D", self.root / "data", "-U", "rookery", "--auth=scram-sha-256",
             f"--pwfile={self.root / 'pwfile'}", "--encoding=UTF8", "--locale=C.UTF-8"],
            log=self.root / "initdb.log",
            user=user,
        )  # fmt: skip
        self.bin_dir, self.user = bin_dir, user

    def start(self) -> None:
        process.spawn(
            [self.bin_dir / "postgres", "-D", self.root / "data", "-c", "listen_addresses=127.0.0.1",
             "-c", f"port={self.port}", "-c", f"unix_socket_directories={self.root}", "-c", "fsync=off"],
            log=self.root / "postgres.log",
            pid_file=self.pid_file,
            user=self.user,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not process.port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError((self.root / "postgres.log").read_text()[-3000:])
            time.sleep(0.1)
        time.sleep(0.3)  # accepting connections right after the port opens

    def signal_all(self, signum: int) -> None:
        """The postmaster and every child (backends lead their own process groups, so no killpg).

        To freeze, the postmaster stops first (so it forks nothing more), then its children are
        listed and stopped; to thaw, children first, then the postmaster."""
        pid = process.read_pid(self.pid_file)
        assert pid is not None
        if signum != signal.SIGCONT:
            os.kill(pid, signum)
        for child in self._children(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)
        if signum == signal.SIGCONT:
            os.kill(pid, signum)

    @staticmethod
    def _children(pid: int) -> list[int]:
        children = []
        for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                    children.append(int(stat.parent.name))
        return children

    def stop(self) -> None:
        process.stop_pid_file(self.pid_file, signum=signal.SIGINT, timeout=20)


@contextlib.contextmanager
def private_postgres_running() -> Iterator[PrivatePostgres]:
    """A fresh private PostgreSQL, started; thawed, stopped and removed afterwards."""
    # not under pytest's basetemp: other pytest sessions reset it to 0700, locking out the
    # unprivileged user PostgreSQL runs as
    root = pathlib.Path(tempfile.mkdtemp(prefix="rookery-private-pg-"))
    server = PrivatePostgres(root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(AssertionError, ProcessLookupError):
            server.signal_all(signal.SIGCONT)
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def cassandra_keyspace(stack: dict[str, str], prefix: str = "e2e_") -> Iterator[str]:
    """A keyspace name for one test module (created by `rookery migrate`), dropped afterwards."""
    keyspace = prefix + uuid.uuid4().hex[:12]
    try:
        yield keyspace
    finally:
        drop_cassandra_keyspace(stack, keyspace)


def drop_cassandra_keyspace(stack: dict[str, str], keyspace: str) -> None:
    """Drop a keyspace on the stack's Cassandra; best effort (a test's cleanup, never its failure)."""
    from rookery.workloads.adapters.cassandra.migrations import drop_keyspace_blocking
    from rookery.workloads.settings import Settings

    with contextlib.suppress(Exception):
        drop_keyspace_blocking(
            Settings(
                cassandra_contact_points=stack["ROOKERY_CASSANDRA_CONTACT_POINTS"],
                cassandra_local_dc=stack.get("ROOKERY_CASSANDRA_LOCAL_DC", ""),
                cassandra_keyspace=keyspace,
            )
        )


def drop_postgres_schema(dsn: str, schema: str) -> None:
    """Drop a tenant's schema (every table of it) on the stack's PostgreSQL; best effort, like the
    keyspace's: what a run leaves is copied by every later standby rebuild of the HA profile."""
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(dsn, timeout=30)
        try:
            quoted = schema.replace('"', '""')
            await conn.execute(f'DROP SCHEMA IF EXISTS "{quoted}" CASCADE')
        finally:
            await conn.close()

    with contextlib.suppress(Exception):
        asyncio.run(drop())


# -- a private Kafka broker (restarted mid-stream without touching the shared stack's) -------------


@dataclasses.dataclass
class PrivateKafka:
    root: pathlib.Path
    port: int = dataclasses.field(default_factory=free_port)
    controller_port: int = dataclasses.field(default_factory=free_port)
    pods_port: int = dataclasses.field(default_factory=free_port)  # the stack's PODS listener, on loopback

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _argv(self, main: str, *args: str) -> list[str]:
        from e2e.stack import apt, maven
        from e2e.stack.kafka import LOG4J, Kafka
        from e2e.stack.service import StackContext

        log = self.root / "install.log"
        lib = maven.runtime_classpath(StackContext.default(), "kafka", Kafka().artifacts(), log)
        (self.root / "log4j.properties").write_text(LOG4J)
        return [
            apt.ensure_java("kafka", log), "-Xms256m", "-Xmx256m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.root / 'log4j.properties'}", f"-Dkafka.logs.dir={self.root}",
            "-cp", f"{lib}/*", main, *args,
        ]  # fmt: skip

    def init(self) -> None:
        from e2e.stack.kafka import SERVER_PROPERTIES

        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "server.properties"
        config.write_text(
            SERVER_PROPERTIES.format(
                host="127.0.0.1",
                port=self.port,
                controller_port=self.controller_port,
                pod_host="127.0.0.1",  # a private broker serves this machine only
                pod_port=self.pods_port,
                data=self.root / "data",
            )
        )
        cluster_id = uuid.uuid4().hex[:22]
        process.run(
            "kafka",
            self._argv("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)),
            log=self.root / "kafka.log",
        )

    def start(self, timeout_s: float = 90.0) -> None:
        process.spawn(
            self._argv("kafka.Kafka", str(self.root / "server.properties")),
            log=self.root / "kafka.log",
            pid_file=self.root / "kafka.pid",
            cwd=self.root,
        )
        deadline = time.monotonic() + timeout_s
        while not process.port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError((self.root / "kafka.log").read_text(errors="replace")[-3000:])
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the broker (a crash: no controlled shutdown)."""
        process.stop_pid_file(self.root / "kafka.pid", signum=signal.SIGKILL, timeout=10)

    def stop(self) -> None:
        process.stop_pid_file(self.root / "kafka.pid", timeout=30)

    def log(self) -> str:
        path = self.root / "kafka.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""
