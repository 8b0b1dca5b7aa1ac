"""The Rookery image, built on this machine: `make image` (python -m e2e.image build).

A Debian bookworm root filesystem made by mmdebstrap from the machine's own apt sources becomes
``localhost/rookery-base:bookworm`` (rebuilt only when its package list changes); buildah (Debian
package, overlay storage, chroot isolation) builds the Containerfile on it into ``localhost/rookery:dev``
with layer caching; a docker-archive of the result goes under ~/.cache/rookery/image/ and, when the
stack's node runs, into its containerd (k8s.io namespace). No registry outside this machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import pathlib
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

from e2e.stack import apt
from e2e.stack.service import StackContext, StackError

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVICE = "image"  # the name in errors (StackError) and the log's folder
IMAGE = "localhost/rookery:dev"
BASE_IMAGE = "localhost/rookery-base:bookworm"
# overlay storage in a root of its own: a step's layer is only what the step changed, where vfs
# copied the whole tree for every step and compared trees to commit (a code-change rebuild of the
# build stage: 9 s against vfs's 121 s in CI). The kernel's overlayfs, as the node's containerd
# snapshotter uses; its own root because a store refuses a second driver (earlier builds left a
# vfs store in the default /var/lib/containers/storage: `buildah --storage-driver vfs rmi --all`).
STORE_ROOT, STORE_RUNROOT = "/var/lib/containers/rookery-overlay", "/run/containers/rookery-overlay"
STORAGE = ("--storage-driver", "overlay", "--root", STORE_ROOT, "--runroot", STORE_RUNROOT)


def image_dir(ctx: StackContext) -> pathlib.Path:
    path = ctx.cache_dir / "image"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_path(ctx: StackContext) -> pathlib.Path:
    return image_dir(ctx) / "image.log"


@contextlib.contextmanager
def locked(ctx: StackContext) -> Iterator[None]:
    """One make image at a time on this machine (two builds would prune each other's layers)."""
    with (image_dir(ctx) / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_tools(ctx: StackContext) -> None:
    """buildah (with uidmap for its user namespaces) and mmdebstrap, from Debian packages."""
    log = log_path(ctx)
    apt.ensure(SERVICE, ["buildah", "uidmap"], pathlib.Path("/usr/bin/buildah"), log)
    apt.ensure(SERVICE, ["mmdebstrap"], pathlib.Path("/usr/bin/mmdebstrap"), log)


def ensure_podman(ctx: StackContext) -> None:
    """podman (Debian package) for running the image with a read-only root (tests)."""
    apt.ensure(SERVICE, ["podman"], pathlib.Path("/usr/bin/podman"), log_path(ctx))


def podman_run_argv(*, name: str, env: dict[str, str], args: Sequence[str], detach: bool = False) -> list[str]:
    """`podman run` of the built image as a pod runs it: read-only root, only /tmp writable (a
    tmpfs), the image's own user; on the host network (the stack's servers on 127.0.0.1). The
    rlimits are set below this machine's hard limits (podman's defaults exceed them: EPERM)."""
    argv = [
        "podman", *STORAGE, "run", "--name", name, "--pull", "never",
        "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,size=64m,mode=1777",
        "--network", "host", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
    ]  # fmt: skip
    argv.append("--detach" if detach else "--rm")
    for key, value in env.items():
        argv += ["--env", f"{key}={value}"]
    return [*argv, IMAGE, *args]


def buildah(*args: str, timeout: float = 600) -> str:
    """Run a buildah command on the image store; its stdout, or a StackError with its stderr."""
    argv = ["buildah", *STORAGE, *args]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise StackError(SERVICE, f"`{' '.join(argv)}` took over {timeout:.0f}s") from exc
    if out.returncode != 0:
        raise StackError(SERVICE, f"`{' '.join(argv)}` failed: {out.stderr.strip()[-2000:]}")
    return out.stdout


def inspect(image: str) -> dict[str, Any] | None:
    """buildah's view of a local image (None when there is none by that name)."""
    argv = ["buildah", *STORAGE, "inspect", "--type", "image", image]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if out.returncode != 0:
        return None
    info: dict[str, Any] = json.loads(out.stdout)
    return info


def labels(image: str) -> dict[str, str]:
    info = inspect(image)
    if info is None:
        return {}
    return dict((info.get("OCIv1") or {}).get("config", {}).get("Labels") or {})


def image_id(image: str) -> str | None:
    info = inspect(image)
    return None if info is None else str(info["FromImageID"])


def image_size(image: str) -> str:
    """The image's size as `buildah images` shows it (its unpacked layers, e.g. "512 MB")."""
    rows: Sequence[dict[str, Any]] = json.loads(buildah("images", "--json", image))
    return str(rows[0]["size"]) if rows else "?"
