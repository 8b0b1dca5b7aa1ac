"""Real server subprocesses for tests: `rookery up` (see the live_server fixture) and a model
server (`rookery inference`)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import signal
import subprocess
import sys

from e2e import servers
from e2e.servers import free_port

REPO = pathlib.Path(__file__).resolve().parents[1]
# cheap password hashing for every server a test starts (argon2's defaults cost ~0.1 s a hash)
FAST_ENV = {
    "ROOKERY_PASSWORD_TIME_COST": "1",
    "ROOKERY_PASSWORD_MEMORY_KIB": "8192",
    "ROOKERY_LOG_LEVEL": "warning",
}


@dataclasses.dataclass
class LiveServer:
    url: str
    port: int
    data_dir: pathlib.Path
    env: dict[str, str]
    log_path: pathlib.Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        command = [
            sys.executable, "-m", "rookery.workloads.cli", "up",
            "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(self.data_dir),
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = servers.launch(
            command, health_url=f"{self.url}/healthz", name="rookery up", timeout_s=timeout_s, interval_s=0.1,
            evidence=self.log, stop_timeout_s=15, env={**os.environ, **self.env}, stdout=log, stderr=log,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process is None:
            return
        servers.stop(self.process, timeout_s=15)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""


def run_cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    """``rookery ARGS`` with the server's environment (pass ``--data-dir`` to reach its data)."""
    return subprocess.run(
        [sys.executable, "-m", "rookery.workloads.cli", *args],
        env={**os.environ, **server.env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class ModelServerProcess:
    """`rookery inference` started through the top-level CLI, on a loopback port."""

    def __init__(
        self,
        models: str,
        port: int | None = None,
        storage: pathlib.Path | None = None,
        log: pathlib.Path | None = None,
        grpc: bool = False,
    ) -> None:
        self.models = models
        self.grpc_port = free_port() if grpc else None
        self.port = port or free_port()
        self.storage = storage
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 240.0) -> None:
        command = [sys.executable, "-m", "rookery.workloads.cli", "inference", "--port", str(self.port)]
        command += ["--models", self.models]
        if self.storage is not None:
            command += ["--storage-uri", f"file://{self.storage}"]
        if self.grpc_port is not None:
            command += ["--grpc-port", str(self.grpc_port)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        env.pop("ROOKERY_MODEL_STORAGE_URI", None)
        with self.log.open("ab") if self.log else contextlib.nullcontext(subprocess.DEVNULL) as output:
            self.process = servers.launch(
                command, health_url=f"{self.url}/v2/health/ready", name="model server", timeout_s=ready_timeout,
                interval_s=0.5, evidence=lambda: f"see {self.log}", cwd=REPO, env=env, stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        servers.stop(self.process, timeout_s=30, kill_timeout_s=10)
