"""Prometheus from Debian's package with a generated config: it scrapes itself and file-discovered targets."""

from __future__ import annotations

import pathlib

import httpx

from e2e.stack import apt, process
from e2e.stack.base import ProcessService
from e2e.stack.service import StackContext
from e2e.stack.versions import section

PORT = 9090
SERVER = pathlib.Path("/usr/bin/prometheus")
# Whoever wants to be scraped (a test's metrics server, a Rookery process) drops a file_sd JSON file
# ([{"targets": ["127.0.0.1:PORT"], "labels": {...}}]) into targets/; Prometheus picks it up at once.
CONFIG = """\
global:
  scrape_interval: 2s
  evaluation_interval: 2s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["{host}:{port}"]
  - job_name: rookery
    file_sd_configs:
      - files: ["{targets}/*.json"]
        refresh_interval: 2s
"""


class Prometheus(ProcessService):
    name = "prometheus"
    ports = (PORT,)
    ready_timeout_s = 60.0

    def __init__(self) -> None:
        self.pins = section("prometheus")

    def version(self) -> str:
        return f"{self.pins['major']} (Debian {self.pins['debian_package']})"

    def install(self, ctx: StackContext) -> None:
        apt.ensure(self.name, [self.pins["debian_package"]], SERVER, self.log(ctx))

    def targets_dir(self, ctx: StackContext) -> pathlib.Path:
        path = ctx.service_dir(self.name) / "targets"
        path.mkdir(exist_ok=True)
        return path

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        home = ctx.service_dir(self.name)
        config = home / "prometheus.yml"
        config.write_text(CONFIG.format(host=process.HOST, port=PORT, targets=self.targets_dir(ctx)))
        process.spawn(
            [
                SERVER,
                f"--config.file={config}",
                f"--storage.tsdb.path={home / 'data'}",
                f"--web.listen-address={process.HOST}:{PORT}",
                "--storage.tsdb.retention.time=1d",
                "--web.enable-lifecycle",
            ],
            log=self.log(ctx),
            pid_file=self.pid_file(ctx),
            cwd=home,
        )

    def url(self) -> str:
        return f"http://{process.HOST}:{PORT}"

    def healthy(self, ctx: StackContext) -> bool:
        if not process.port_open(PORT):
            return False
        try:
            return httpx.get(f"{self.url()}/-/ready", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {
            "ROOKERY_PROMETHEUS_URL": self.url(),
            "ROOKERY_PROMETHEUS_TARGETS_DIR": str(self.targets_dir(ctx)),
        }
