"""Zipkin: the executable server jar from Maven Central, in-memory storage, on Java 17."""

from __future__ import annotations

import pathlib

from e2e.stack import hostnet, process
from e2e.stack.base import JavaService
from e2e.stack.service import StackContext

PORT = 9411
HEAP = "256m"


class Zipkin(JavaService):
    name = "zipkin"
    ports = (PORT,)
    pod_ports = (PORT,)
    ready_timeout_s = 120.0

    def fetch(self, ctx: StackContext) -> pathlib.Path:
        return self.artifact(ctx, classifier=self.pins["classifier"])

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        java = self.java(ctx)
        self.spawn(
            ctx,
            [
                java,
                f"-Xms{HEAP}",
                f"-Xmx{HEAP}",
                "-XX:+UseSerialGC",
                "-jar",
                self.fetch(ctx),
                f"--armeria.ports[0].ip={process.HOST}",
                f"--armeria.ports[0].port={PORT}",
                "--armeria.ports[0].protocols=http",
                f"--armeria.ports[1].ip={hostnet.POD_HOST}",
                f"--armeria.ports[1].port={PORT}",
                "--armeria.ports[1].protocols=http",
            ],
            cwd=ctx.service_dir(self.name),
            env={"STORAGE_TYPE": "mem", "QUERY_PORT": str(PORT), "MEM_MAX_SPANS": "200000"},
        )

    def answers(self, ctx: StackContext) -> bool:
        return process.http_ok(f"{self.url()}/health", lambda r: r.json().get("status") == "UP")

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_ZIPKIN_URL": self.url(), "ROOKERY_ZIPKIN_ENDPOINT": f"{self.url()}/api/v2/spans"}

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_ZIPKIN_URL": self.pod_url(), "ROOKERY_ZIPKIN_ENDPOINT": f"{self.pod_url()}/api/v2/spans"}
