"""PostgreSQL from Debian's package, run as our own cluster (own data dir), not the system service."""

from __future__ import annotations

import pathlib
import signal

from e2e.stack import hostnet, process
from e2e.stack.base import DebianService
from e2e.stack.service import StackContext

PORT = 5432
USER = PASSWORD = DATABASE = "rookery"
# who may connect, by password: this machine (127.0.0.1, and POD_HOST itself: the source address of
# a connection made to it from here) and the pods
PG_HBA = """\
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all {pod_host}/32 scram-sha-256
host all all {pod_cidr} scram-sha-256
"""


class Postgres(DebianService):
    name = "postgres"
    ports = (PORT,)
    pod_ports = (PORT,)
    ready_timeout_s = 60.0
    stop_signal = signal.SIGINT  # "fast" shutdown: SIGTERM would wait for every client to leave

    def __init__(self) -> None:
        super().__init__()
        self.bin = pathlib.Path(self.pins["bin_dir"])

    def dsn(self, database: str = DATABASE, host: str = process.HOST) -> str:
        return f"postgresql://{USER}:{PASSWORD}@{host}:{PORT}/{database}"

    def server(self) -> pathlib.Path:
        return self.bin / "postgres"

    def data_dir(self, ctx: StackContext) -> pathlib.Path:
        return ctx.service_dir(self.name) / "data"

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        home = ctx.service_dir(self.name)
        data = self.data_dir(ctx)
        user = process.stack_user()  # PostgreSQL refuses to run as root
        if not (data / "PG_VERSION").exists():
            pwfile = home / "pwfile"
            pwfile.write_text(PASSWORD + "\n")
            data.mkdir(parents=True, exist_ok=True)
            process.give_to(user, home)
            process.run(
                self.name,
                [
                    self.bin / "initdb",
                    "-D",
                    data,
                    "-U",
                    USER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                log=self.log(ctx),
                user=user,
            )
            pwfile.unlink()
        hba = home / "pg_hba.conf"
        hba.write_text(PG_HBA.format(pod_host=hostnet.POD_HOST, pod_cidr=hostnet.POD_CIDR))
        process.give_to(user, home)
        self.spawn(
            ctx,
            [
                self.server(),
                "-D",
                data,
                "-c",
                f"listen_addresses={process.HOST},{hostnet.POD_HOST}",
                "-c",
                f"hba_file={hba}",
                "-c",
                f"port={PORT}",
                "-c",
                f"unix_socket_directories={home}",
                "-c",
                "max_connections=300",
                # a throwaway test cluster: durability traded for speed
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            user=user,
        )

    def answers(self, ctx: StackContext) -> bool:
        return self.probe(self._ensure_database(), timeout=10)

    async def _ensure_database(self) -> bool:
        import asyncpg

        await create_database(self.dsn("postgres"), DATABASE)
        conn = await asyncpg.connect(self.dsn(), timeout=5)
        try:
            return bool(await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        finally:
            await conn.close()

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_POSTGRES_DSN": self.dsn()}

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_POSTGRES_DSN": self.dsn(host=hostnet.POD_HOST)}


async def create_database(admin_dsn: str, name: str, wait_s: float = 5) -> None:
    """CREATE DATABASE name unless it exists, through admin_dsn (a connection to ``postgres``)."""
    import asyncpg

    conn = await asyncpg.connect(admin_dsn, timeout=wait_s)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"', timeout=wait_s)
    finally:
        await conn.close()
