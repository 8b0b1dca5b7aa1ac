"""Helm for the chart tests and the pipeline, built from its Go module.

Helm is not a Debian package here and no binary download is used: `go install
helm.sh/helm/v3/cmd/helm@v<version>` builds it through the Go module proxy, the version pinned in
e2e/stack/versions.toml [helm]. The binary is cached under
$ROOKERY_CACHE_DIR (default ~/.cache/rookery)/helm/v<version>/bin/helm; the first build takes
minutes, later calls find it. `python -m e2e.helm [--link PATH]` builds it and prints its path.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

from e2e.stack.versions import section

ROOT_MODULE = "helm.sh/helm/v3"
MODULE = f"{ROOT_MODULE}/cmd/helm"
BUILD_TIMEOUT_S = 1800


class HelmUnavailable(RuntimeError):
    """Helm could not be built (no Go toolchain, the module proxy unreachable, a build error)."""


def version() -> str:
    pinned = section("helm").get("version")
    if not pinned:
        raise HelmUnavailable("e2e/stack/versions.toml has no [helm] version")
    return str(pinned)


def cache_dir() -> pathlib.Path:
    root = pathlib.Path(os.environ.get("ROOKERY_CACHE_DIR", pathlib.Path.home() / ".cache" / "rookery"))
    return root / "helm" / f"v{version()}"


def binary() -> pathlib.Path:
    return cache_dir() / "bin" / "helm"


@contextlib.contextmanager
def _lock(path: pathlib.Path) -> Iterator[None]:
    """One build at a time across processes (parallel test sessions share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _built_version(path: pathlib.Path) -> str | None:
    if not path.is_file():
        return None
    out = subprocess.run(
        [str(path), "version", "--template", "{{.Version}}"], capture_output=True, text=True, timeout=60
    )
    return out.stdout.strip() if out.returncode == 0 else None


def _ldflags(go: str, wanted: str) -> str:
    """What helm's Makefile links in: its version, and the Kubernetes version it assumes when it
    renders without a cluster (the client-go it is built with, 0.N -> 1.N), which `kubeVersion`
    constraints of charts and the linter's deprecation checks compare against."""
    found = subprocess.run(
        [go, "mod", "download", "-json", f"{ROOT_MODULE}@{wanted}"],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    if found.returncode != 0:
        raise HelmUnavailable(f"go mod download {ROOT_MODULE}@{wanted} failed:\n{found.stderr[-4000:]}")
    go_mod = pathlib.Path(json.loads(found.stdout)["GoMod"]).read_text()
    client_go = re.search(r"^\s*k8s\.io/client-go v0\.(\d+)\.", go_mod, re.M)
    if client_go is None:
        raise HelmUnavailable(f"{ROOT_MODULE}@{wanted}: no k8s.io/client-go requirement in its go.mod")
    flags = ["-s", "-w", f"-X {ROOT_MODULE}/internal/version.version={wanted}"]
    for package in ("pkg/lint/rules", "pkg/chartutil"):
        flags += [f"-X {ROOT_MODULE}/{package}.k8sVersionMajor=1"]
        flags += [f"-X {ROOT_MODULE}/{package}.k8sVersionMinor={client_go.group(1)}"]
    return " ".join(flags)


def ensure() -> pathlib.Path:
    """The pinned helm binary, built first if the cache does not hold it."""
    target = binary()
    wanted = f"v{version()}"
    if _built_version(target) == wanted:
        return target
    go = shutil.which("go")
    if go is None:
        raise HelmUnavailable("helm is built from its Go module: install Go (go on PATH)")
    with _lock(cache_dir() / ".build.lock"):
        if _built_version(target) == wanted:  # another process built it meanwhile
            return target
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            env = {**os.environ, "GOBIN": tmp, "CGO_ENABLED": "0"}
            argv = [go, "install", "-trimpath", "-ldflags", _ldflags(go, wanted), f"{MODULE}@{wanted}"]
            built = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
            if built.returncode != 0:
                raise HelmUnavailable(f"{' '.join(argv)} failed:\n{built.stderr[-4000:]}")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(pathlib.Path(tmp) / "helm", target)
    if _built_version(target) != wanted:
        raise HelmUnavailable(f"{target} does not report {wanted}")
    return target
