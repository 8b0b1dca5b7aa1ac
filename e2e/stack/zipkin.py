"""Zipkin: the executable server jar from Maven Central, in-memory storage, on Java 17."""

from __future__ import annotations

import httpx

from e2e.stack import apt, maven, process
from e2e.stack.base import ProcessService
from e2e.stack.service import StackContext
from e2e.stack.versions import section

PORT = 9411
HEAP = "256m"


class Zipkin(ProcessService):
    name = "zipkin"
    ports = (PORT,)
    ready_timeout_s = 120.0

    def __init__(self) -> None:
        self.pins = section("zipkin")

    def version(self) -> str:
        return self.pins["version"]

    def _jar(self, ctx: StackContext):
        return maven.fetch(
            ctx,
            self.name,
            self.pins["artifact"],
            self.pins["version"],
            self.log(ctx),
            classifier=self.pins["classifier"],
        )

    def install(self, ctx: StackContext) -> None:
        apt.ensure_java(self.name, self.log(ctx))
        self._jar(ctx)

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        java = apt.ensure_java(self.name, self.log(ctx))
        process.spawn(
            [
                java,
                f"-Xms{HEAP}",
                f"-Xmx{HEAP}",
                "-XX:+UseSerialGC",
                "-jar",
                self._jar(ctx),
                f"--armeria.ports[0].ip={process.HOST}",
                f"--armeria.ports[0].port={PORT}",
                "--armeria.ports[0].protocols=http",
            ],
            log=self.log(ctx),
            pid_file=self.pid_file(ctx),
            cwd=ctx.service_dir(self.name),
            env={"STORAGE_TYPE": "mem", "QUERY_PORT": str(PORT), "MEM_MAX_SPANS": "200000"},
        )

    def url(self) -> str:
        return f"http://{process.HOST}:{PORT}"

    def healthy(self, ctx: StackContext) -> bool:
        if not process.port_open(PORT):
            return False
        try:
            r = httpx.get(f"{self.url()}/health", timeout=5)
            return r.status_code == 200 and r.json().get("status") == "UP"
        except (httpx.HTTPError, ValueError):
            return False

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_ZIPKIN_URL": self.url(), "ROOKERY_ZIPKIN_ENDPOINT": f"{self.url()}/api/v2/spans"}
