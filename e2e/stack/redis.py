"""Redis from Debian's package, our own process and data dir, not the system service."""

from __future__ import annotations

import pathlib
import uuid

from e2e.stack import apt, process
from e2e.stack.base import ProcessService
from e2e.stack.service import StackContext
from e2e.stack.versions import section

PORT = 6379
SERVER = pathlib.Path("/usr/bin/redis-server")


class Redis(ProcessService):
    name = "redis"
    ports = (PORT,)
    ready_timeout_s = 30.0

    def __init__(self) -> None:
        self.pins = section("redis")

    def version(self) -> str:
        return f"{self.pins['major']} (Debian {self.pins['debian_package']})"

    def install(self, ctx: StackContext) -> None:
        apt.ensure(self.name, [self.pins["debian_package"]], SERVER, self.log(ctx))

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        home = ctx.service_dir(self.name)
        process.spawn(
            [
                SERVER,
                "--bind",
                process.HOST,
                "--port",
                str(PORT),
                "--dir",
                home,
                "--daemonize",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            log=self.log(ctx),
            pid_file=self.pid_file(ctx),
        )

    def healthy(self, ctx: StackContext) -> bool:
        if not process.port_open(PORT):
            return False
        import redis

        try:
            client = redis.Redis(host=process.HOST, port=PORT, socket_timeout=3)
            try:
                token = uuid.uuid4().hex
                ok = client.ping() and client.set("rookery:stack:health", token, ex=60)
                return bool(ok) and client.get("rookery:stack:health") == token.encode()
            finally:
                client.close()
        except redis.RedisError:
            return False

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_REDIS_URL": f"redis://{process.HOST}:{PORT}/0"}
