"""Building the real node's programs: what e2e/stack/node.py install() does.

Go programs are built with `go build` from the Go module proxy, each group from its own module:
kubelet, kube-proxy and kubectl from the control plane's module (e2e/kube, the same Kubernetes
release), containerd + its runc shim + ctr (e2e/node/containerd), crictl (e2e/node/crictl) and a
CoreDNS with only the plugins the node uses (e2e/node/coredns). Each group is cached under
~/.cache/rookery/node/<group>-v<version>/bin with a stamp: the sha256 of its module's go.mod, go.sum
and Go sources, so an unchanged module is never rebuilt (and a changed one rebuilds incrementally
from Go's build cache). The pod sandbox ("pause") program is C (e2e/node/pause), built with
`gcc -static` and packed into an OCI image archive by e2e/stack/oci.py. runc (1.1.5, which works
with containerd 2 here), the CNI plugins, iptables and conntrack are Debian packages.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib

from e2e.stack import apt, oci, process
from e2e.stack.node_config import SANDBOX_IMAGE
from e2e.stack.service import StackContext, StackError
from e2e.stack.versions import section

E2E = pathlib.Path(__file__).resolve().parents[1]
NODE_SOURCES = E2E / "node"
RUNC = pathlib.Path("/usr/sbin/runc")
CNI_BIN_DIR = pathlib.Path("/usr/lib/cni")
# a file each Debian package provides: present means installed
DEBIAN_PROBES = {
    "runc": RUNC,
    "containernetworking-plugins": CNI_BIN_DIR / "bridge",
    "iptables": pathlib.Path("/usr/sbin/iptables"),
    "conntrack": pathlib.Path("/usr/sbin/conntrack"),
}


@dataclasses.dataclass(frozen=True)
class GoGroup:
    """Commands built from one Go module: name -> package, at the module's pinned release."""

    name: str
    module_dir: pathlib.Path
    module: str  # the required module whose release names the group
    version: str
    commands: dict[str, str]
    version_ldflags: str = ""
    tags: str = ""
    cgo: bool = False

    def bin_dir(self, ctx: StackContext) -> pathlib.Path:
        return ctx.cache_dir / "node" / f"{self.name}-v{self.version}" / "bin"

    def stamp(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.module_dir.glob("*")):
            if path.suffix in (".go", ".mod", ".sum"):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        digest.update(repr(sorted(self.commands.items())).encode())
        return digest.hexdigest()


def groups() -> list[GoGroup]:
    kube, node = section("kube"), section("node")
    k8s = kube["kubernetes"]
    major, minor, _ = k8s.split(".")
    k8s_stamp = {"gitVersion": f"v{k8s}", "gitMajor": major, "gitMinor": minor}
    return [
        GoGroup(
            "kubernetes",
            E2E / "kube",
            "k8s.io/kubernetes",
            k8s,
            {c: f"k8s.io/kubernetes/cmd/{c}" for c in ("kubelet", "kube-proxy", "kubectl")},
            " ".join(f"-X k8s.io/component-base/version.{k}={v}" for k, v in k8s_stamp.items()),
        ),
        GoGroup(
            "containerd",
            NODE_SOURCES / "containerd",
            "github.com/containerd/containerd/v2",
            node["containerd"],
            {
                c: f"github.com/containerd/containerd/v2/cmd/{c}"
                for c in ("containerd", "containerd-shim-runc-v2", "ctr")
            },
            f"-X github.com/containerd/containerd/v2/version.Version=v{node['containerd']}",
            # snapshotters that need C libraries this machine does not use
            tags="no_btrfs no_devmapper no_zfs",
        ),
        GoGroup(
            "crictl",
            NODE_SOURCES / "crictl",
            "sigs.k8s.io/cri-tools",
            node["crictl"],
            {"crictl": "sigs.k8s.io/cri-tools/cmd/crictl"},
            f"-X sigs.k8s.io/cri-tools/pkg/version.Version=v{node['crictl']}",
        ),
        GoGroup(
            "coredns",
            NODE_SOURCES / "coredns",
            "github.com/coredns/coredns",
            node["coredns"],
            {"coredns": "."},
        ),
    ]


def binary(ctx: StackContext, command: str) -> pathlib.Path:
    for group in groups():
        if command in group.commands:
            return group.bin_dir(ctx) / command
    raise KeyError(command)


def _check_pin(group: GoGroup) -> None:
    go_mod = (group.module_dir / "go.mod").read_text()
    if f"{group.module} v{group.version}\n" not in go_mod and f"{group.module} v{group.version} " not in go_mod:
        raise StackError(
            "node", f"{group.module_dir / 'go.mod'} does not require {group.module} v{group.version} (versions.toml)"
        )


def build_go(ctx: StackContext, group: GoGroup, log: pathlib.Path, timeout: float) -> None:
    """Build the group's commands unless its stamp says they are current."""
    _check_pin(group)
    bin_dir = group.bin_dir(ctx)
    stamp_file, wanted = bin_dir / "stamp.sha256", group.stamp()
    built = all((bin_dir / c).exists() for c in group.commands)
    if built and stamp_file.exists() and stamp_file.read_text() == wanted:
        return
    go = process.which("node", "go", "the node's programs are built from source with Go")
    bin_dir.mkdir(parents=True, exist_ok=True)
    env = {"GOFLAGS": "-p=2 -buildvcs=false"}
    if not group.cgo:
        env["CGO_ENABLED"] = "0"  # static: the shim and ctr run outside any library path assumptions
    for command, package in group.commands.items():
        argv = [go, "build", "-trimpath", "-ldflags", f"-s -w {group.version_ldflags}".strip()]
        if group.tags:
            argv += ["-tags", group.tags]
        argv += ["-o", str(bin_dir / command), package]
        process.run("node", argv, log=log, cwd=group.module_dir, env=env, timeout=timeout)
    stamp_file.write_text(wanted)


def pause_image(ctx: StackContext, log: pathlib.Path) -> pathlib.Path:
    """The sandbox image archive (SANDBOX_IMAGE), rebuilt when pause.c changes."""
    source = NODE_SOURCES / "pause" / "pause.c"
    key = hashlib.sha256(source.read_bytes() + SANDBOX_IMAGE.encode()).hexdigest()[:16]
    out = ctx.cache_dir / "node" / f"pause-{key}"
    archive = out / "pause.tar"
    if archive.exists():
        return archive
    out.mkdir(parents=True, exist_ok=True)
    gcc = process.which("node", "gcc", "the pod sandbox program is C: apt-get install gcc libc6-dev")
    program = out / "pause"
    process.run("node", [gcc, "-static", "-O2", "-Wall", "-o", program, source], log=log, cwd=out)
    oci.write(archive, SANDBOX_IMAGE, [oci.File.from_host("/pause", program)], entrypoint=["/pause"])
    return archive


def install(ctx: StackContext, log: pathlib.Path, timeout: float) -> None:
    for package in section("node")["debian_packages"]:
        apt.ensure("node", [package], DEBIAN_PROBES[package], log)
    for group in groups():
        build_go(ctx, group, log, timeout)
    pause_image(ctx, log)
