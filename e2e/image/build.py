"""Build the Containerfile into localhost/rookery:dev, write its archive, load it into the node."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
import re
import subprocess
import time
from collections.abc import Callable, Sequence

from e2e.image import BASE_IMAGE, IMAGE, ROOT, SERVICE, STORAGE, buildah, image_dir, image_id, log_path
from e2e.stack.service import StackContext, StackError

CA_BUNDLES = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE")
SYSTEM_CA_BUNDLE = pathlib.Path("/etc/ssl/certs/ca-certificates.crt")
ARCHIVE_NAME = "rookery-dev.docker.tar"  # docker-archive: `ctr images import` names it localhost/rookery:dev


@dataclasses.dataclass
class Step:
    """One Containerfile instruction as buildah ran it."""

    stage: int
    number: int
    instruction: str
    cached: bool = False


@dataclasses.dataclass
class Built:
    image_id: str
    seconds: float
    steps: list[Step]
    layers: list[str] = dataclasses.field(default_factory=list)  # every step's image, in build order

    def step(self, pattern: str) -> Step:
        """The last step whose instruction matches pattern (the runtime stage's copies come last)."""
        found = [s for s in self.steps if re.search(pattern, s.instruction)]
        if not found:
            raise KeyError(pattern)
        return found[-1]


def ca_bundle() -> pathlib.Path | None:
    """The CA bundle this machine's own TLS clients use (pip, uv, requests): the build gets it too."""
    for name in CA_BUNDLES:
        value = os.environ.get(name)
        if value and pathlib.Path(value).is_file():
            return pathlib.Path(value)
    return SYSTEM_CA_BUNDLE if SYSTEM_CA_BUNDLE.is_file() else None


def parse_layers(lines: Sequence[str]) -> list[str]:
    """The image id each step left (`--> Using cache <id>` or `--> <id>`), as buildah printed them."""
    ids: list[str] = []
    for line in lines:
        match = re.match(r"--> (?:Using cache )?([0-9a-f]{11,64})$", line.strip())
        if match and not any(i.startswith(match.group(1)) or match.group(1).startswith(i) for i in ids):
            ids.append(match.group(1))
    return ids


def remove_leftover_containers() -> int:
    """Remove the working containers a killed build left behind (a build removes its own when it
    ends; each pins the images under it, and with vfs storage each held a whole copy of the tree:
    nine such left this machine's disk full). Call it holding the build lock, when no build of ours
    runs; returns how many went."""
    listed = subprocess.run(
        ["buildah", *STORAGE, "containers", "--quiet", "--all"], capture_output=True, text=True, timeout=120
    )
    ids = listed.stdout.split() if listed.returncode == 0 else []
    for container in ids:
        subprocess.run(["buildah", *STORAGE, "rm", container], capture_output=True, timeout=600, check=False)
    return len(ids)


def prune_previous(ctx: StackContext, built: Built) -> int:
    """Remove the images of make image's previous build that this one did not reuse (the layers of
    each build would pile up), newest first; returns how many went. Only
    images this module recorded are touched, and one still in use by a child or a name stays."""
    record = image_dir(ctx) / "layers.txt"
    previous = record.read_text().split() if record.exists() else []
    keep = [*built.layers, built.image_id]
    removed = 0
    for old in reversed(previous):
        if any(k.startswith(old) or old.startswith(k) for k in keep):
            continue
        gone = subprocess.run(
            ["buildah", *STORAGE, "rmi", old], capture_output=True, text=True, timeout=600, check=False
        )
        removed += gone.returncode == 0
    record.write_text("\n".join(keep) + "\n")
    return removed


def parse_steps(lines: Sequence[str]) -> list[Step]:
    steps: list[Step] = []
    for line in lines:
        match = re.match(r"(?:\[(\d+)/\d+\] )?STEP (\d+)/\d+: (.*)", line)
        if match:
            steps.append(Step(int(match.group(1) or 1), int(match.group(2)), match.group(3)))
        elif line.startswith("--> Using cache") and steps:
            steps[-1].cached = True
    return steps


CONTEXT_FILES = ("Containerfile", ".dockerignore", "pyproject.toml", "uv.lock", "README.md", "hatch_build.py")
CONTEXT_TREES = ("workloads", "operator", "inference", "web/dist")


def context_digest(context: pathlib.Path = ROOT, base_id: str = "") -> str:
    """A digest of what the build reads (the Containerfile, the files it copies, the base's id): the
    same digest with the same image in the store means there is nothing to rebuild."""
    digest = hashlib.sha256(base_id.encode())
    paths = [context / name for name in CONTEXT_FILES]
    for tree in CONTEXT_TREES:
        root = context / tree
        if root.is_dir():
            paths += sorted(
                p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            )
    for path in paths:
        digest.update(str(path.relative_to(context)).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(absent)")
        digest.update(b"\0")
    return digest.hexdigest()


def current(ctx: StackContext, digest: str, tag: str = IMAGE) -> str | None:
    """The image id when tag was built from exactly this context (recorded by the last build)."""
    record = image_dir(ctx) / "context.txt"
    if not record.exists():
        return None
    recorded_digest, _, recorded_id = record.read_text().strip().partition(" ")
    return recorded_id if recorded_digest == digest and image_id(tag) == recorded_id else None


def record_context(ctx: StackContext, digest: str, built_id: str) -> None:
    (image_dir(ctx) / "context.txt").write_text(f"{digest} {built_id}\n")


def build(
    ctx: StackContext,
    *,
    base: str = BASE_IMAGE,
    tag: str = IMAGE,
    context: pathlib.Path = ROOT,
    target: str | None = None,
    out: Callable[[str], None] = print,
) -> Built:
    """`buildah build --layers` of the Containerfile on base; buildah's output goes to out and the log."""
    argv = [
        "nice", "-n", "10", "buildah", *STORAGE, "build",
        "--layers", "--isolation", "chroot",
        "--build-arg", f"PYTHON_IMAGE={base}",
        "-f", str(context / "Containerfile"), "-t", tag,
    ]  # fmt: skip
    if target:
        argv += ["--target", target]
    if base.startswith("localhost/"):
        argv.append("--pull=never")  # made here: never ask a registry for it
    ca = ca_bundle()
    if ca is not None:
        argv += ["--secret", f"id=build-ca,src={ca}"]
    argv.append(str(context))
    started = time.monotonic()
    lines: list[str] = []
    log = log_path(ctx)
    with log.open("a") as log_file:
        log_file.write(f"\n--- {time.strftime('%F %T')} {' '.join(argv)}\n")
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=context)
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                line = raw.rstrip("\n")
                lines.append(line)
                log_file.write(raw)
                out(line)
            code = proc.wait()
        finally:
            # interrupted (Ctrl-C, a test's timeout): buildah must not outlive the build lock, or the
            # next make image waits on its storage lock (and a stray build prunes what it needs)
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    if code != 0:
        tail = "\n".join(lines[-15:])
        raise StackError(SERVICE, f"buildah build failed (exit {code}):\n{tail}", log)
    built = image_id(tag)
    if built is None:
        raise StackError(SERVICE, f"buildah build finished but {tag} is not in the store", log)
    return Built(built, time.monotonic() - started, parse_steps(lines), parse_layers(lines))


def archive_path(ctx: StackContext) -> pathlib.Path:
    return image_dir(ctx) / ARCHIVE_NAME


def write_archive(ctx: StackContext, tag: str = IMAGE) -> pathlib.Path:
    """A docker-archive of tag under ~/.cache/rookery/image/, rewritten only when the image changed."""
    archive = archive_path(ctx)
    marker = archive.with_suffix(".id")
    current = image_id(tag)
    if current is None:
        raise StackError(SERVICE, f"{tag} is not built (make image)")
    if archive.exists() and marker.exists() and marker.read_text().strip() == current:
        return archive
    partial = archive.with_name(f"{archive.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    buildah("push", "--quiet", tag, f"docker-archive:{partial}:{tag}", timeout=1200)
    partial.rename(archive)
    marker.write_text(current + "\n")
    return archive


def load_into_node(ctx: StackContext, archive: pathlib.Path, out: Callable[[str], None] = print) -> bool:
    """Import the archive into the stack node's containerd (k8s.io namespace, pinned against the
    kubelet's image GC); False when the node's containerd is not running."""
    from e2e.stack import node

    if not node.containerd_answers(ctx):
        out(f"node: containerd is not running ({node.containerd_socket(ctx)}; make stack-up starts it): not loaded")
        return False
    started = time.monotonic()
    names = node.import_image(ctx, archive)
    out(f"node: {', '.join(names)} imported into containerd (k8s.io) in {time.monotonic() - started:.0f}s")
    return True
