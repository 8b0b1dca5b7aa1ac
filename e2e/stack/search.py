"""OpenSearch from its minimal distribution zip on Maven Central, single node, plain HTTP, on Java 17."""

from __future__ import annotations

import pathlib
import shutil

from e2e.stack import hostnet, process
from e2e.stack.base import JavaService
from e2e.stack.service import StackContext

PORT, TRANSPORT_PORT = 9200, 9300
HEAP = "512m"

OPENSEARCH_YML = """\
cluster.name: rookery
node.name: rookery-1
# HTTP for clients here and in pods; the transport (node to node) stays on loopback, which also
# keeps the production bootstrap checks (meant for multi-node clusters) off
http.host: [{host}, {pod_host}]
http.publish_host: {host}
http.port: {port}
transport.host: {host}
transport.port: {transport_port}
discovery.type: single-node
path.data: {home}/data
path.logs: {home}/logs
action.auto_create_index: true
# the stack's disk is shared with everything else: do not go read-only on a busy disk
cluster.routing.allocation.disk.threshold_enabled: false
"""


class Search(JavaService):
    name = "search"
    ports = (PORT, TRANSPORT_PORT)
    pod_ports = (PORT,)
    ready_timeout_s = 180.0

    def version(self) -> str:
        return f"{self.pins['engine']} {self.pins['version']}"

    def fetch(self, ctx: StackContext) -> pathlib.Path:
        return self.distribution(ctx, self.pins["engine"])

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        dist = self.fetch(ctx)
        java = self.java(ctx)
        home = ctx.service_dir(self.name)
        config = home / "config"
        config.mkdir(exist_ok=True)
        shutil.copyfile(dist / "config" / "log4j2.properties", config / "log4j2.properties")
        # the distribution's JVM options write GC logs and heap dumps relative to its own (read-only) home
        jvm_options = (dist / "config" / "jvm.options").read_text()
        for relative in ("logs/", "=data"):
            absolute = f"{home}/logs/" if relative == "logs/" else f"={home}/data"
            jvm_options = jvm_options.replace(relative, absolute)
        (config / "jvm.options").write_text(jvm_options)
        (config / "opensearch.yml").write_text(
            OPENSEARCH_YML.format(
                host=process.HOST, pod_host=hostnet.POD_HOST, port=PORT, transport_port=TRANSPORT_PORT, home=home
            )
        )
        for sub in ("data", "logs"):
            (home / sub).mkdir(exist_ok=True)
        user = process.stack_user()  # OpenSearch refuses to run as root
        process.give_to(user, home)  # the distribution itself only needs to be readable
        self.spawn(
            ctx,
            [dist / "bin" / "opensearch"],
            cwd=home,
            user=user,
            env={
                "OPENSEARCH_PATH_CONF": str(config),
                "OPENSEARCH_JAVA_HOME": str(java.rsplit("/bin/", 1)[0]),
                "OPENSEARCH_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP}",
                "JAVA_HOME": "",
            },
        )

    def answers(self, ctx: StackContext) -> bool:
        return process.http_ok(
            f"{self.url()}/_cluster/health",
            lambda r: r.json().get("status") in ("green", "yellow"),
            params={"wait_for_status": "yellow", "timeout": "5s"},
            timeout=10,
        )

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_SEARCH_URL": self.url(), "ROOKERY_SEARCH_ENGINE": self.pins["engine"]}

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {**self.env(ctx), "ROOKERY_SEARCH_URL": self.pod_url()}
