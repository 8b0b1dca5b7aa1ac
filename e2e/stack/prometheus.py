"""Prometheus from Debian's package with a generated config: it scrapes itself and file-discovered targets."""

from __future__ import annotations

import pathlib

from e2e.stack import process
from e2e.stack.base import DebianService
from e2e.stack.service import StackContext

PORT = 9090
SERVER = pathlib.Path("/usr/bin/prometheus")
# the rule checker and unit-test runner of the same package (tests/delivery/test_delivery_alerts.py)
PROMTOOL = pathlib.Path("/usr/bin/promtool")
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


class Prometheus(DebianService):
    name = "prometheus"
    ports = (PORT,)
    pod_ports = (PORT,)
    ready_timeout_s = 60.0

    def server(self) -> pathlib.Path:
        return SERVER

    def targets_dir(self, ctx: StackContext) -> pathlib.Path:
        path = ctx.service_dir(self.name) / "targets"
        path.mkdir(exist_ok=True)
        return path

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        home = ctx.service_dir(self.name)
        config = home / "prometheus.yml"
        config.write_text(CONFIG.format(host=process.HOST, port=PORT, targets=self.targets_dir(ctx)))
        self.spawn(
            ctx,
            [
                SERVER,
                f"--config.file={config}",
                f"--storage.tsdb.path={home / 'data'}",
                # one listen address only (this release): every address, so that pods reach it too
                f"--web.listen-address=0.0.0.0:{PORT}",
                "--storage.tsdb.retention.time=1d",
                "--web.enable-lifecycle",
            ],
            cwd=home,
        )

    def answers(self, ctx: StackContext) -> bool:
        return process.http_ok(f"{self.url()}/-/ready")

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {
            "ROOKERY_PROMETHEUS_URL": self.url(),
            "ROOKERY_PROMETHEUS_TARGETS_DIR": str(self.targets_dir(ctx)),
        }

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_PROMETHEUS_URL": self.pod_url()}
