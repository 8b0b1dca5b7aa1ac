"""The base image: a Debian bookworm root filesystem made by mmdebstrap, imported into buildah.

The packages come from the machine's own apt sources, read at run time and handed to mmdebstrap on
its standard input (no mirror is written into any file, and none stays in the image: its
/etc/apt/sources.list* are removed). Rebuilt only when what goes into it changes (its key label).
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import platform
import subprocess
import time
from collections.abc import Callable, Iterable

from e2e.image import BASE_IMAGE, SERVICE, STORAGE, buildah, image_dir, labels, log_path
from e2e.stack.service import StackContext, StackError

SUITE = "bookworm"
VARIANT = "minbase"
# python3 is 3.11 on bookworm (what pyproject's requires-python asks for), venv for the build's own
# uv; libstdc++6 for the C++ extension wheels (frozenlist, Pillow's codecs); ca-certificates for TLS
PACKAGES = ("python3", "python3-venv", "ca-certificates", "libstdc++6")
DPKG_OPTIONS = (
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/info/*",
)
# the image needs no apt sources (and must not carry the machine's): mmdebstrap's own are dropped
CUSTOMIZE_HOOK = (
    'rm -rf "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/* "$1"/etc/apt/apt.conf.d/99mmdebstrap'
    ' "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin'
)
# apt settings of the machine worth passing on: a proxy, and snapshot mirrors' expired Release files
APT_OPTIONS = ("Acquire::http::Proxy", "Acquire::https::Proxy", "Acquire::Check-Valid-Until", "Acquire::Check-Date")
KEY_LABEL = "dev.rookery.base.key"
APT_DIR = pathlib.Path("/etc/apt")


def key() -> str:
    """What the base is made of: when this changes, the base is rebuilt."""
    what = {
        "suite": SUITE,
        "variant": VARIANT,
        "packages": sorted(PACKAGES),
        "dpkg": DPKG_OPTIONS,
        "hook": CUSTOMIZE_HOOK,
        "arch": platform.machine(),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


def current() -> bool:
    return labels(BASE_IMAGE).get(KEY_LABEL) == key()


def _one_line(path: pathlib.Path) -> Iterable[str]:
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("deb "):
            yield line


def _deb822(path: pathlib.Path) -> Iterable[str]:
    """deb822 stanzas as one-line entries (mmdebstrap reads those from its standard input)."""
    for stanza in path.read_text().split("\n\n"):
        fields: dict[str, str] = {}
        last = ""
        for raw in stanza.splitlines():
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            if raw[0] in " \t" and last:
                fields[last] += " " + raw.strip()
                continue
            name, _, value = raw.partition(":")
            last = name.strip().lower()
            fields[last] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        options = [f"signed-by={fields['signed-by']}"] if fields.get("signed-by", "").startswith("/") else []
        bracket = f"[{' '.join(options)}] " if options else ""
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                yield f"deb {bracket}{uri} {suite} {fields.get('components', 'main')}"


def machine_sources(apt_dir: pathlib.Path = APT_DIR) -> list[str]:
    """The machine's apt entries for bookworm (and its -updates, -security), one-line format."""
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    entries: list[str] = []
    for path in files:
        if path.suffix == ".list" and path.is_file():
            entries += _one_line(path)
        elif path.suffix == ".sources" and path.is_file():
            entries += _deb822(path)
    return [e for e in entries if _suite(e).startswith(SUITE)]


def _suite(entry: str) -> str:
    """The suite of a one-line entry: `deb [options] uri suite component...`."""
    words = entry.split("]", 1)[1].split() if entry.startswith("deb [") else entry.split()[1:]
    return words[1] if len(words) > 1 else ""


def _apt_options() -> list[str]:
    out = subprocess.run(["apt-config", "dump"], capture_output=True, text=True, timeout=60, check=False)
    wanted = []
    for line in out.stdout.splitlines():
        name = line.split(" ", 1)[0]
        if name in APT_OPTIONS:
            wanted.append(line.rstrip(";") + ";")
    return wanted


def build(ctx: StackContext, out: Callable[[str], None] = print) -> bool:
    """Make the base unless it is current; True when it was (re)built."""
    if current():
        out(f"base: {BASE_IMAGE} is current (key {key()})")
        return False
    sources = machine_sources()
    if not sources:
        raise StackError(SERVICE, f"the machine's apt sources ({APT_DIR}) name no {SUITE} suite to build the base from")
    started = time.monotonic()
    out(f"base: mmdebstrap {SUITE} ({VARIANT}, {', '.join(PACKAGES)}) from the machine's apt sources ...")
    rootfs = image_dir(ctx) / "base-rootfs.tar"
    log = log_path(ctx)
    argv = [
        *("nice", "-n", "10"),  # polite on a shared machine, as the buildah build
        "mmdebstrap",
        f"--variant={VARIANT}",
        f"--include={','.join(PACKAGES)}",
        *(f"--aptopt={o}" for o in _apt_options()),
        *(f"--dpkgopt={o}" for o in DPKG_OPTIONS),
        f"--customize-hook={CUSTOMIZE_HOOK}",
        SUITE,
        str(rootfs),
        "-",  # the sources, on standard input
    ]
    try:
        with log.open("ab") as log_file:
            log_file.write(f"\n--- {time.strftime('%F %T')} {' '.join(argv)}\n".encode())
            log_file.flush()
            done = subprocess.run(
                argv,
                input="\n".join(sources) + "\n",
                text=True,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=1800,
                check=False,
            )
        if done.returncode != 0:
            raise StackError(SERVICE, f"mmdebstrap failed (exit {done.returncode})", log)
        container = buildah("from", "scratch").strip()
        try:
            buildah("add", container, str(rootfs), "/")
            buildah(
                "config",
                "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--env", "LANG=C.UTF-8",
                "--cmd", "python3",
                "--label", f"{KEY_LABEL}={key()}",
                "--label", f"dev.rookery.base.packages={','.join(PACKAGES)}",
                "--label", f"dev.rookery.base.suite={SUITE}",
                container,
            )  # fmt: skip
            buildah("commit", "--quiet", container, BASE_IMAGE)
        finally:
            subprocess.run(["buildah", *STORAGE, "rm", container], capture_output=True, timeout=120, check=False)
    finally:
        rootfs.unlink(missing_ok=True)
    out(f"base: {BASE_IMAGE} built in {time.monotonic() - started:.0f}s")
    return True
