"""A private Prometheus that evaluates Rookery's alerting rules (the operator chart's
files/monitoring/rookery-alerts.yaml) against processes a test names: for tests that cause a fault
and wait for the matching alert to go pending. The stack's shared Prometheus loads no rules (other
sessions' targets would trip them), so each such test runs its own: Debian's prometheus binary,
data in a temporary folder, scraping and evaluating every second."""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

import httpx
import yaml

from e2e import servers
from e2e.stack.prometheus import SERVER

ROOT = pathlib.Path(__file__).resolve().parents[1]
RULES = ROOT / "platform-charts" / "rookery-operator" / "files" / "monitoring" / "rookery-alerts.yaml"


@dataclasses.dataclass
class PrivatePrometheus:
    root: pathlib.Path
    targets: list[str]  # host:port of each process to scrape
    labels: dict[str, str] = dataclasses.field(default_factory=dict)  # on every scraped series
    port: int = dataclasses.field(default_factory=servers.free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [
                {"job_name": "rookery", "static_configs": [{"targets": self.targets, "labels": self.labels}]}
            ],
        }
        (self.root / "prometheus.yml").write_text(yaml.safe_dump(config))
        log = (self.root / "prometheus.log").open("ab")
        self.process = servers.launch(
            [str(SERVER), f"--config.file={self.root / 'prometheus.yml'}", f"--storage.tsdb.path={self.root / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            health_url=f"{self.url}/-/ready", name="private prometheus", timeout_s=60, interval_s=0.2,
            evidence=lambda: (self.root / "prometheus.log").read_text(errors="replace")[-3000:],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process is not None:
            servers.stop(self.process, timeout_s=20)
            self.process = None

    def alerts(self) -> list[dict[str, Any]]:
        """Every pending or firing alert: {"labels": ..., "state": "pending" | "firing", ...}."""
        answer = httpx.get(f"{self.url}/api/v1/alerts", timeout=10)
        answer.raise_for_status()
        return list(answer.json()["data"]["alerts"])

    def active(self, alertname: str, **labels: str) -> str | None:
        """The state of the alert with these labels, or None while it is inactive."""
        for alert in self.alerts():
            if alert["labels"].get("alertname") == alertname and labels.items() <= alert["labels"].items():
                return str(alert["state"])
        return None

    def rule_groups(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/api/v1/rules", timeout=10)
        answer.raise_for_status()
        return list(answer.json()["data"]["groups"])


@contextlib.contextmanager
def private_prometheus(targets: list[str], **labels: str) -> Iterator[PrivatePrometheus]:
    root = pathlib.Path(tempfile.mkdtemp(prefix="rookery-private-prometheus-"))
    server = PrivatePrometheus(root, targets, labels)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
