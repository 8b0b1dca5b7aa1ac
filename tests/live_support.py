"""A `rookery up` subprocess for tests that need a real server (see the live_server fixture)."""

from __future__ import annotations

import dataclasses
import os
import pathlib
import socket
import subprocess
import sys
import time

import httpx

# cheap password hashing for every server a test starts (argon2's defaults cost ~0.1 s a hash)
FAST_ENV = {
    "ROOKERY_PASSWORD_TIME_COST": "1",
    "ROOKERY_PASSWORD_MEMORY_KIB": "8192",
    "ROOKERY_LOG_LEVEL": "warning",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
        self.process = subprocess.Popen(command, env={**os.environ, **self.env}, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rookery up exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"rookery up did not answer /healthz within {timeout_s}s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
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
