"""Redis from Debian's package, our own process and data dir, not the system service."""

from __future__ import annotations

import pathlib
import uuid

from e2e.stack import hostnet, process
from e2e.stack.base import DebianService
from e2e.stack.service import StackContext

PORT = 6379
SERVER = pathlib.Path("/usr/bin/redis-server")


class Redis(DebianService):
    name = "redis"
    ports = (PORT,)
    pod_ports = (PORT,)
    ready_timeout_s = 30.0

    def server(self) -> pathlib.Path:
        return SERVER

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        home = ctx.service_dir(self.name)
        self.spawn(
            ctx,
            [
                SERVER,
                "--bind",
                process.HOST,
                hostnet.POD_HOST,
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
                # protected mode refuses every client not on 127.0.0.1 (pods too) while there is no
                # password; the binds above are this machine's own (POD_HOST is not routed out)
                "--protected-mode",
                "no",
            ],
        )

    def answers(self, ctx: StackContext) -> bool:
        return all(self._round_trip(host) for host in (process.HOST, hostnet.POD_HOST))

    def _round_trip(self, host: str) -> bool:
        import redis

        try:
            client = redis.Redis(host=host, port=PORT, socket_timeout=3)
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

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_REDIS_URL": f"redis://{hostnet.POD_HOST}:{PORT}/0"}
