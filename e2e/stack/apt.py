"""Debian packages, installed with apt-get when missing (root only; others are told what to run)."""

from __future__ import annotations

import os
import pathlib
import platform
import threading

from e2e.stack import process
from e2e.stack.service import StackError

_lock = threading.Lock()  # dpkg takes one install at a time
_updated = False
POLICY_RC = pathlib.Path("/usr/sbin/policy-rc.d")


def ensure(
    service: str, packages: list[str], probe: pathlib.Path, log: pathlib.Path, *, archives: pathlib.Path | None = None
) -> None:
    """Install packages unless probe (a file they provide) exists. Never starts their system services.
    ``archives``: where apt keeps the downloaded .debs (a cache directory that outlives the machine's)."""
    global _updated
    if probe.exists():
        return
    if os.geteuid() != 0:
        raise StackError(service, f"{probe} is missing: run `sudo apt-get install {' '.join(packages)}`")
    with _lock:
        if probe.exists():
            return
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        # we run our own server processes: keep the packages' init scripts from starting system ones
        own_policy = not POLICY_RC.exists()
        if own_policy:
            POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
            POLICY_RC.chmod(0o755)
        try:
            if not _updated:
                process.run(service, ["apt-get", "update", "-q"], log=log, env=env)
                _updated = True
            cache: list[str] = []
            if archives is not None:
                (archives / "partial").mkdir(parents=True, exist_ok=True)
                cache = ["-o", f"Dir::Cache::archives={archives}"]
            process.run(
                service,
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", *cache, *packages],
                log=log,
                env=env,
            )
        finally:
            if own_policy:
                POLICY_RC.unlink(missing_ok=True)
    if not probe.exists():
        raise StackError(service, f"installed {' '.join(packages)} but {probe} is still missing", log)


def ensure_java(service: str, log: pathlib.Path) -> str:
    """The java binary (17) the Maven-sourced servers run on."""
    from e2e.stack.versions import section

    java = section("java")
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    binary = pathlib.Path(f"/usr/lib/jvm/java-{java['major']}-openjdk-{arch}/bin/java")
    ensure(service, [java["debian_package"]], binary, log)
    return str(binary)
