"""`make image`'s pieces: the base's apt sources come from the machine, buildah's output is read
right, and the Containerfile builds on the Debian base into an image whose `rookery` runs, with the
dependency layer reused after a code change. The build installs buildah and mmdebstrap itself
(Debian packages) and is cached: a warm run costs the cache checks only."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import uuid

import pytest

from e2e.image import BASE_IMAGE, IMAGE, STORAGE, base, build, buildah, ensure_tools, labels, locked
from e2e.image.__main__ import make_image
from e2e.stack.service import StackContext

SOURCES = """\
Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/debian
Suites: trixie
Components: main

Types: deb deb-src
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main contrib
Enabled: yes

Types: deb
URIs: http://disabled.invalid/debian
Suites: bookworm
Components: main
Enabled: no
"""


def test_the_base_is_made_from_the_machines_own_bookworm_sources(tmp_path: pathlib.Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(SOURCES)
    (tmp_path / "sources.list.d" / "extra.list").write_text(
        "# a comment\ndeb [arch=amd64] http://other.invalid/debian bookworm main\n"
        "deb-src http://x.invalid/ bookworm main\n"
    )
    (tmp_path / "sources.list.d" / "old.list.disabled").write_text("deb http://old.invalid/ bookworm main\n")
    signed = "[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
    assert base.machine_sources(tmp_path) == [
        f"deb {signed} http://mirror.invalid/debian bookworm main",
        f"deb {signed} http://mirror.invalid/debian bookworm-updates main",
        "deb http://mirror.invalid/debian-security bookworm-security main contrib",
        "deb [arch=amd64] http://other.invalid/debian bookworm main",
    ]
    assert base.machine_sources(tmp_path / "nothing") == []


def test_buildahs_output_is_read_step_by_step() -> None:
    lines = [
        "[1/2] STEP 6/7: COPY pyproject.toml uv.lock ./",
        "--> Using cache aef48f41ac3727c20b7c81e65e9e33f95d9e1ff44c69fcbec678828a6c25de9c",
        "--> aef48f41ac3",
        "[1/2] STEP 7/7: RUN uv sync --no-install-project",
        "Downloading cryptography (4.5MiB)",
        "--> 4114a61651d",
        "[2/2] STEP 1/2: FROM localhost/rookery-base:bookworm",
        "[2/2] COMMIT localhost/rookery:dev",
        "--> 47ff3082147",
    ]
    steps = build.parse_steps(lines)
    assert [(s.stage, s.number, s.cached) for s in steps] == [(1, 6, True), (1, 7, False), (2, 1, False)]
    assert build.parse_layers(lines) == [
        "aef48f41ac3727c20b7c81e65e9e33f95d9e1ff44c69fcbec678828a6c25de9c",
        "4114a61651d",
        "47ff3082147",
    ]


# the first test that asks for ``built`` pays a cold build in its setup (7-10 minutes on this machine:
# the Debian base, then every Python package), beyond the suite's 300 s default per test
COLD_BUILD = pytest.mark.timeout(1800)


def test_a_killed_builds_working_containers_are_removed() -> None:
    """What a build killed mid-way leaves (its working container, which pins its image) goes at
    the next make image: nine of them once filled this machine's disk and failed the build."""
    ctx = StackContext.default()
    ensure_tools(ctx)
    with locked(ctx):
        left = buildah("from", "scratch").strip()
        assert build.remove_leftover_containers() >= 1
        names = buildah("containers", "--all", "--noheading", "--format", "{{.ContainerName}}").split()
        assert left not in names


@pytest.fixture(scope="module")
def built() -> build.Built:
    """`make image` without the node (warm: the cache checks, or nothing when no input changed)."""
    return make_image(StackContext.default(), load=False)


def _run_in_image(*args: str) -> subprocess.CompletedProcess[str]:
    container = subprocess.run(
        ["buildah", *STORAGE, "from", "--pull=never", IMAGE], capture_output=True, text=True, timeout=600, check=True
    ).stdout.strip()
    try:
        return subprocess.run(
            ["buildah", *STORAGE, "run", "--isolation", "chroot", container, "--", *args],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        subprocess.run(["buildah", *STORAGE, "rm", container], capture_output=True, timeout=600)


@COLD_BUILD
def test_make_image_builds_rookery_on_the_debian_base(built: build.Built) -> None:
    assert labels(BASE_IMAGE).get(base.KEY_LABEL) == base.key()
    assert labels(IMAGE).get("org.opencontainers.image.title") == "rookery"
    helped = _run_in_image("rookery", "--help")
    assert helped.returncode == 0 and "usage: rookery" in helped.stdout, helped.stderr
    # every production adapter's native code loads (manylinux wheels on Debian's libc/libstdc++),
    # on Debian's Python 3.11, as the image's non-root user; the image keeps no apt sources
    probe = _run_in_image(
        "python",
        "-c",
        "import asyncpg, redis, hiredis, aiokafka, cassandra.cluster, opensearchpy, cloudinary, kopf, kubernetes,"
        " PIL.Image, orjson, uvloop, argon2, cryptography, frozenlist, imageio_ffmpeg, rookery.workloads.cli;"
        " import os, sys, glob; print(sys.version_info[:2], os.getuid(), sys.executable,"
        " glob.glob('/etc/apt/sources.list*/*') + glob.glob('/etc/apt/sources.list'))",
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "(3, 11) 10001 /opt/rookery/bin/python []", probe.stdout
    # the web client's built assets, when this machine has npm (make image builds web/dist)
    if shutil.which("npm"):
        index = _run_in_image("cat", "/opt/rookery/web/index.html")
        assert index.returncode == 0 and "<div" in index.stdout, index.stderr
    # the archive containerd imports names the image
    from e2e.stack import node

    archive = build.archive_path(StackContext.default())
    assert node.archive_names(archive) == [IMAGE]


@COLD_BUILD
def test_a_code_change_rebuilds_without_the_dependency_step(tmp_path: pathlib.Path, built: build.Built) -> None:
    """The build stage from a copy of the context with one workloads file changed: the uv sync of
    the dependencies comes from the cache, the project's own steps run."""
    context = tmp_path / "context"
    context.mkdir()
    for name in build.CONTEXT_FILES:
        shutil.copy2(build.ROOT / name, context / name)
    for tree in ("workloads", "operator", "inference", "web/dist"):
        if (build.ROOT / tree).is_dir():
            shutil.copytree(build.ROOT / tree, context / tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (context / "web").mkdir(exist_ok=True)
    shutil.copy2(build.ROOT / "web" / "package.json", context / "web" / "package.json")
    changed = context / "workloads" / "rookery" / "workloads" / "__init__.py"
    changed.write_text(changed.read_text() + f"\n# {uuid.uuid4()}\n")
    tag = f"localhost/rookery-cache-probe:{uuid.uuid4().hex[:8]}"
    ctx = StackContext.default()
    with locked(ctx):
        probe = build.build(ctx, tag=tag, context=context, target="build", out=lambda _: None)
        _check_and_remove(ctx, probe, tag)


def _check_and_remove(ctx: StackContext, probe: build.Built, tag: str) -> None:
    try:
        deps = probe.step(r"uv sync .*--no-install-project")
        assert deps.stage == 1 and deps.cached, probe.steps
        project = probe.step(r"uv sync .*--no-editable")
        assert not project.cached, probe.steps
    finally:
        # the probe's own layers (those make image's chain does not share) go again
        keep = set((build.image_dir(ctx) / "layers.txt").read_text().split())
        subprocess.run(["buildah", *STORAGE, "rmi", tag], capture_output=True, timeout=600)
        for layer in reversed(probe.layers):
            if not any(k.startswith(layer) or layer.startswith(k) for k in keep):
                subprocess.run(["buildah", *STORAGE, "rmi", layer], capture_output=True, timeout=600)
