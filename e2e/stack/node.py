"""A real Kubernetes node beside the control plane: containerd + runc, kubelet, kube-proxy, CoreDNS.

The node `rookery-node-0` (label rookery.dev/node=real) runs real containers: containerd 2 with
Debian's runc 1.1.5, pods in their own network namespaces on a CNI bridge (10.244.0.0/24, no masquerade:
nothing leaves this machine), kube-proxy in iptables mode for ClusterIPs, and CoreDNS as a host
process on hostnet.POD_HOST:53 behind the kube-dns Service (10.96.0.10). CoreDNS runs on the host
rather than as a pod so that cluster DNS needs no image, is up before the node takes pods, and
starts and stops with the stack like the control plane. The machine's cgroup v1 (hybrid) mounts are
used as they are (kubelet `failCgroupV1: false`, cgroupfs). What is built and how:
e2e/stack/node_build.py; the configuration files: e2e/stack/node_config.py.

stop() leaves nothing behind: pods are torn down through the CRI (network included), any process
left in the pods' cgroups and every shim is killed, every mount under the node's directories is
detached, kube-proxy's rules, the CNI bridge and our FORWARD rules are removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import struct
import subprocess
import tarfile
import time
from typing import Any

import httpx
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from e2e.stack import hostnet, kube_pki, node_build, process
from e2e.stack import node_config as cfg
from e2e.stack.kube import APISERVER_PORT, HOST, KubeControlPlane
from e2e.stack.service import Service, StackContext, StackError
from e2e.stack.versions import section

COMPONENTS = ("containerd", "coredns", "kubelet", "kube-proxy")  # start order
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FORWARD_CHAIN = "ROOKERY-PODS"
SYSCTLS = ("net/ipv4/ip_forward", "net/bridge/bridge-nf-call-iptables")


class Node(Service):
    name = "node"
    depends_on = ("kube",)
    # what listens on 127.0.0.1 (the kubelet's API listens on POD_HOST, DNS on POD_HOST:53)
    ports = (
        cfg.KUBELET_HEALTHZ_PORT,
        cfg.PROXY_METRICS_PORT,
        cfg.PROXY_HEALTHZ_PORT,
        cfg.DNS_HEALTH_PORT,
        cfg.DNS_READY_PORT,
    )
    ready_timeout_s = 240.0
    stop_timeout_s = 30.0
    build_timeout_s = 3600.0

    def __init__(self) -> None:
        self.pins = section("node")
        self.kube = KubeControlPlane()

    def version(self) -> str:
        return (
            f"Kubernetes {self.kube.pins['kubernetes']} kubelet/kube-proxy, containerd {self.pins['containerd']}, "
            f"CoreDNS {self.pins['coredns']}, runc + CNI plugins from Debian"
        )

    # -- where things live ---------------------------------------------------------------------

    def layout(self, ctx: StackContext) -> cfg.Layout:
        return cfg.Layout(ctx.service_dir(self.name), self.kube.pki(ctx))

    def log(self, ctx: StackContext, component: str | None = None) -> pathlib.Path:
        return ctx.log_path(self.name) if component is None else ctx.service_dir(self.name) / f"{component}.log"

    def pid_file(self, ctx: StackContext, component: str) -> pathlib.Path:
        return ctx.service_dir(self.name) / f"{component}.pid"

    # -- install -------------------------------------------------------------------------------

    def install(self, ctx: StackContext) -> None:
        node_build.install(ctx, self.log(ctx), self.build_timeout_s)

    # -- start ---------------------------------------------------------------------------------

    def start(self, ctx: StackContext) -> None:
        if self.running(ctx):  # a partial node of ours (a component died): start afresh
            self.stop(ctx)
        busy = [p for p in self.ports if process.port_open(p)]
        if busy:
            raise StackError(self.name, f"port(s) {busy} in use by something that is not a healthy node")
        if not (self.kube.pki(ctx) / "ca.key").exists():
            raise StackError(self.name, "the control plane's certificates are missing: start kube first")
        try:
            self._prepare_host(ctx)
            self._write_files(ctx)
            self._start_components(ctx)
        except BaseException:
            self.stop(ctx)  # no half-started node left behind; the logs stay
            raise

    def _prepare_host(self, ctx: StackContext) -> None:
        """POD_HOST, forwarding between pods on the bridge (through iptables, for ClusterIPs) and a
        FORWARD rule that keeps pod traffic on the bridge: nothing is routed off the machine."""
        hostnet.ensure()
        saved = ctx.service_dir(self.name) / "sysctl.json"
        if not saved.exists():
            before = {key: _sysctl(key) for key in SYSCTLS}
            saved.write_text(json.dumps(before))
        for key in SYSCTLS:
            _sysctl(key, "1")
        iptables = ["iptables", "-w", "5"]
        _run_quiet([*iptables, "-N", FORWARD_CHAIN])  # exists already: fine
        _run([*iptables, "-F", FORWARD_CHAIN])
        _run([*iptables, "-A", FORWARD_CHAIN, "-i", cfg.BRIDGE, "!", "-o", cfg.BRIDGE, "-j", "REJECT"])
        _run([*iptables, "-A", FORWARD_CHAIN, "-o", cfg.BRIDGE, "!", "-i", cfg.BRIDGE, "-j", "DROP"])
        if _run_quiet([*iptables, "-C", "FORWARD", "-j", FORWARD_CHAIN]) != 0:
            _run([*iptables, "-I", "FORWARD", "1", "-j", FORWARD_CHAIN])

    def _write_files(self, ctx: StackContext) -> None:
        layout = self.layout(ctx)
        pki, client, server = layout.pki, ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH
        node_user = f"system:node:{cfg.NODE_NAME}"
        kube_pki.ensure_leaf(pki, "kubelet-client", node_user, ["system:nodes"], client)
        sans: list[x509.GeneralName] = [x509.DNSName(cfg.NODE_NAME), x509.DNSName("localhost")]
        sans += [x509.IPAddress(_ip(hostnet.POD_HOST)), x509.IPAddress(_ip("127.0.0.1"))]
        kube_pki.ensure_leaf(pki, "kubelet", cfg.NODE_NAME, [], server, sans)
        kube_pki.ensure_leaf(pki, "kube-proxy", "system:kube-proxy", [], client)
        kube_pki.ensure_leaf(pki, "coredns", cfg.COREDNS_USER, [], client)
        server_url = f"https://{HOST}:{APISERVER_PORT}"
        kubeconfigs = {"kubelet": "kubelet-client", "kube-proxy": "kube-proxy", "coredns": "coredns"}
        for name, cert in ((f"{user}.kubeconfig", cert) for user, cert in kubeconfigs.items()):
            layout.file(name).write_text(kube_pki.kubeconfig(pki, server_url, cert))
            layout.file(name).chmod(0o600)
        for directory in (layout.cni_conf_dir, layout.cni_ipam_dir, layout.kubelet_root, layout.pod_logs):
            directory.mkdir(parents=True, exist_ok=True)
        cfg.CONTAINERD_STATE.mkdir(parents=True, exist_ok=True)
        files = {
            "containerd.toml": cfg.containerd_toml(layout, str(node_build.RUNC), str(node_build.CNI_BIN_DIR)),
            "kubelet-config.yaml": cfg.kubelet_config(layout),
            "kube-proxy-config.yaml": cfg.kube_proxy_config(layout),
            "Corefile": cfg.corefile(layout),
            "resolv.conf": "# no upstream resolvers: pods resolve cluster.local only (CoreDNS)\n",
        }
        for name, text in files.items():
            layout.file(name).write_text(text)
        (layout.cni_conf_dir / "10-rookery.conflist").write_text(cfg.cni_conflist(layout))

    def _start_components(self, ctx: StackContext) -> None:
        layout = self.layout(ctx)
        containerd_bin = node_build.binary(ctx, "containerd").parent
        self._spawn(ctx, "containerd", ["--config", layout.containerd_config], path=f"{containerd_bin}:{SYSTEM_PATH}")
        process.wait_until(
            f"{self.name}/containerd",
            lambda: containerd_answers(ctx),
            timeout=60,
            log=self.log(ctx, "containerd"),
            pid_file=self.pid_file(ctx, "containerd"),
        )
        import_image(ctx, node_build.pause_image(ctx, self.log(ctx)))
        self._apply_kube_dns(ctx)
        self._spawn(ctx, "coredns", ["-conf", layout.file("Corefile")])
        self._spawn(
            ctx,
            "kubelet",
            [
                f"--config={layout.file('kubelet-config.yaml')}",
                f"--kubeconfig={layout.file('kubelet.kubeconfig')}",
                f"--root-dir={layout.kubelet_root}",
                f"--hostname-override={cfg.NODE_NAME}",
                f"--node-ip={hostnet.POD_HOST}",
                f"--node-labels={cfg.NODE_LABEL[0]}={cfg.NODE_LABEL[1]}",
                "--v=1",
            ],
        )
        self._spawn(ctx, "kube-proxy", [f"--config={layout.file('kube-proxy-config.yaml')}", "--v=1"])

    def _spawn(self, ctx: StackContext, component: str, args: list[Any], path: str = SYSTEM_PATH) -> None:
        binary = node_build.binary(ctx, component)
        if not binary.exists():
            raise StackError(self.name, f"{binary} is missing; install() builds it")
        process.spawn(
            [binary, *args],
            log=self.log(ctx, component),
            pid_file=self.pid_file(ctx, component),
            cwd=ctx.service_dir(self.name),
            env={"PATH": path},
        )

    def _apply_kube_dns(self, ctx: StackContext) -> None:
        """Server-side apply of CoreDNS's RBAC, the kube-dns Service and its EndpointSlice (POD_HOST:53)."""
        role, binding = cfg.coredns_rbac()
        service, endpoints = cfg.kube_dns_objects()
        rbac = "/apis/rbac.authorization.k8s.io/v1"
        objects = {
            f"{rbac}/clusterroles/{cfg.COREDNS_USER}": role,
            f"{rbac}/clusterrolebindings/{cfg.COREDNS_USER}": binding,
            "/api/v1/namespaces/kube-system/services/kube-dns": service,
            "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns-stack": endpoints,
        }
        with _api(ctx) as client:
            for path, body in objects.items():
                response = client.patch(
                    path,
                    content=json.dumps(body),
                    params={"fieldManager": "rookery-stack", "force": "true"},
                    headers={"Content-Type": "application/apply-patch+yaml"},
                )
                if response.status_code not in (200, 201):
                    raise StackError(self.name, f"applying {path}: HTTP {response.status_code} {response.text[:300]}")

    def wait_healthy(self, ctx: StackContext) -> None:
        """Poll healthy(); a component that exits meanwhile fails at once, naming its log."""
        deadline = time.monotonic() + self.ready_timeout_s
        while not self.healthy(ctx):
            for component in COMPONENTS:
                if not process.running(self.pid_file(ctx, component)):
                    raise StackError(self.name, f"{component} exited", self.log(ctx, component))
            if time.monotonic() > deadline:
                raise StackError(self.name, f"not healthy after {self.ready_timeout_s:.0f}s", self.log(ctx, "kubelet"))
            time.sleep(1.0)

    # -- health --------------------------------------------------------------------------------

    def healthy(self, ctx: StackContext) -> bool:
        """The node reports Ready to the apiserver, containerd answers and CoreDNS resolves the
        `kubernetes` Service through POD_HOST:53."""
        if not all(process.running(self.pid_file(ctx, c)) for c in COMPONENTS):
            return False
        return node_ready(ctx) and containerd_answers(ctx) and dns_answers()

    # -- stop ----------------------------------------------------------------------------------

    def stop(self, ctx: StackContext) -> None:
        layout = self.layout(ctx)
        process.stop_pid_file(self.pid_file(ctx, "kubelet"), timeout=self.stop_timeout_s)
        if process.running(self.pid_file(ctx, "containerd")):
            self._remove_pods(ctx)
        for component in ("kube-proxy", "coredns", "containerd"):
            process.stop_pid_file(self.pid_file(ctx, component), timeout=self.stop_timeout_s)
        _kill_pod_processes(node_build.binary(ctx, "containerd-shim-runc-v2"))
        _detach_mounts((layout.home, cfg.CONTAINERD_STATE))
        if node_build.binary(ctx, "kube-proxy").exists():  # its iptables rules
            _run_quiet([node_build.binary(ctx, "kube-proxy"), "--cleanup"], timeout=60)
        self._restore_host(ctx)
        with contextlib.suppress(OSError):
            shutil.rmtree(layout.cni_ipam_dir)  # every pod is gone: no address is in use
        still = process.wait_ports_closed(self.ports, timeout=15)
        if still:
            raise StackError(self.name, f"stopped our processes but port(s) {still} still listen (not ours?)")

    def _remove_pods(self, ctx: StackContext) -> None:
        """Stop and remove every pod through the CRI (tears down its network), then any other task."""
        crictl = [str(node_build.binary(ctx, "crictl")), "-r", f"unix://{containerd_socket(ctx)}", "-t", "20s"]
        pods = subprocess.run([*crictl, "pods", "-q"], capture_output=True, text=True, timeout=60, check=False)
        for pod in pods.stdout.split():
            _run_quiet([*crictl, "stopp", pod], timeout=60)
            _run_quiet([*crictl, "rmp", "-f", pod], timeout=60)
        listed = _ctr(ctx, "tasks", "ls", "-q", check=False)
        for task in listed.stdout.split():
            _ctr(ctx, "tasks", "kill", "-s", "SIGKILL", task, check=False)
            _ctr(ctx, "tasks", "delete", "-f", task, check=False)

    def _restore_host(self, ctx: StackContext) -> None:
        iptables = ["iptables", "-w", "5"]
        if shutil.which("iptables"):
            _run_quiet([*iptables, "-D", "FORWARD", "-j", FORWARD_CHAIN])
            _run_quiet([*iptables, "-F", FORWARD_CHAIN])
            _run_quiet([*iptables, "-X", FORWARD_CHAIN])
        _run_quiet(["ip", "link", "delete", cfg.BRIDGE])
        saved = ctx.service_dir(self.name) / "sysctl.json"
        with contextlib.suppress(OSError, ValueError):
            for key, value in json.loads(saved.read_text()).items():
                _sysctl(key, value)
            saved.unlink()

    def running(self, ctx: StackContext) -> bool:
        return any(process.running(self.pid_file(ctx, c)) for c in COMPONENTS)

    def rss_kib(self, ctx: StackContext) -> int | None:
        sizes = [process.rss_kib(self.pid_file(ctx, c)) for c in COMPONENTS]
        return sum(s for s in sizes if s) or None

    def env(self, ctx: StackContext) -> dict[str, str]:
        path = os.environ.get("PATH", SYSTEM_PATH)
        return {"KUBECONFIG": str(self.kube.kubeconfig(ctx)), "PATH": f"{kubectl(ctx).parent}:{path}"}


# -- what other parts of the stack use ---------------------------------------------------------


def _ctx(ctx: StackContext | None) -> StackContext:
    return ctx or StackContext.default()


def containerd_socket(ctx: StackContext | None = None) -> pathlib.Path:
    """The node's containerd (CRI) socket."""
    return Node().layout(_ctx(ctx)).containerd_socket


def kubectl(ctx: StackContext | None = None) -> pathlib.Path:
    """The kubectl binary of the control plane's Kubernetes release."""
    return node_build.binary(_ctx(ctx), "kubectl")


def _ctr(
    ctx: StackContext | None, *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    ctx = _ctx(ctx)
    argv = [str(node_build.binary(ctx, "ctr")), "--address", str(containerd_socket(ctx)), "-n", "k8s.io", *args]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if check:
            raise StackError("node", f"ctr {' '.join(args[:2])}: {exc}") from exc
        return subprocess.CompletedProcess(argv, 1, "", str(exc))
    if check and done.returncode != 0:
        raise StackError("node", f"ctr {' '.join(args[:3])} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done


def import_image(ctx: StackContext | None, archive: pathlib.Path) -> list[str]:
    """Import an OCI or docker archive into the node's containerd (namespace k8s.io, unpacked for the
    CRI) and pin the images it names, so the kubelet never garbage-collects them; returns their names."""
    archive = pathlib.Path(archive)
    if not archive.is_file():
        raise StackError("node", f"image archive {archive} does not exist")
    names = archive_names(archive)
    if not names:
        raise StackError("node", f"{archive} names no image (no io.containerd.image.name / RepoTags)")
    _ctr(ctx, "images", "import", "--snapshotter", "overlayfs", str(archive))
    for name in names:
        _ctr(ctx, "images", "label", name, cfg.PINNED_LABEL)
    return names


def archive_names(archive: pathlib.Path) -> list[str]:
    """The image names an OCI archive (index.json annotations) or docker archive (RepoTags) carries."""
    names: list[str] = []
    with tarfile.open(archive) as tar:
        members = {m.name.lstrip("./"): m for m in tar.getmembers()}

        def read(name: str) -> Any:
            extracted = tar.extractfile(members[name]) if name in members else None
            return json.load(extracted) if extracted is not None else None

        for entry in (read("index.json") or {}).get("manifests", []):
            annotations = entry.get("annotations") or {}
            name = annotations.get("io.containerd.image.name") or annotations.get("org.opencontainers.image.ref.name")
            if name and "/" in name and ":" in name.rsplit("/", 1)[-1]:
                names.append(name)
        for entry in read("manifest.json") or []:
            names.extend(tag for tag in entry.get("RepoTags") or [] if tag not in names)
    return sorted(set(names))


def containerd_answers(ctx: StackContext | None = None) -> bool:
    """containerd serves its API on our socket right now."""
    if not containerd_socket(ctx).exists():
        return False
    return _ctr(ctx, "version", check=False, timeout=10).returncode == 0


def node_ready(ctx: StackContext | None = None) -> bool:
    try:
        with _api(_ctx(ctx)) as client:
            response = client.get(f"/api/v1/nodes/{cfg.NODE_NAME}")
    except (httpx.HTTPError, OSError):
        return False
    if response.status_code != 200:
        return False
    conditions = response.json().get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def dns_answers(name: str = f"kubernetes.default.svc.{hostnet.CLUSTER_DOMAIN}", server: str = hostnet.POD_HOST) -> bool:
    """An A query for name over UDP to server:53 gets at least one answer."""
    query_id = random.randrange(1 << 16)
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    packet = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2.0)
        try:
            sock.sendto(packet, (server, cfg.DNS_PORT))
            reply = sock.recv(4096)
        except OSError:
            return False
    if len(reply) < 12:
        return False
    reply_id, flags, _, answers, _, _ = struct.unpack(">HHHHHH", reply[:12])
    return reply_id == query_id and flags & 0x000F == 0 and answers > 0


# -- helpers -----------------------------------------------------------------------------------


def _api(ctx: StackContext) -> httpx.Client:
    import ssl

    pki = KubeControlPlane().pki(ctx)
    tls = ssl.create_default_context(cafile=pki / "ca.crt")
    tls.load_cert_chain(pki / "admin.crt", pki / "admin.key")
    return httpx.Client(base_url=f"https://{HOST}:{APISERVER_PORT}", verify=tls, timeout=5.0)


def _ip(address: str) -> Any:
    import ipaddress

    return ipaddress.ip_address(address)


def _run(argv: list[Any], timeout: float = 60) -> None:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise StackError("node", f"{' '.join(map(str, argv))} exited {done.returncode}: {done.stderr.strip()}")


def _run_quiet(argv: list[Any], timeout: float = 60) -> int:
    try:
        argv_s = [str(a) for a in argv]
        return subprocess.run(argv_s, capture_output=True, timeout=timeout, check=False).returncode
    except (OSError, subprocess.TimeoutExpired):
        return -1


def _sysctl(key: str, value: str | None = None) -> str:
    path = pathlib.Path("/proc/sys") / key
    if value is not None:
        try:
            path.write_text(value)
        except OSError as exc:
            raise StackError("node", f"cannot set {key}={value} (root needed): {exc}") from exc
    return path.read_text().strip()


def _kill_pod_processes(shim: pathlib.Path) -> None:
    """SIGKILL what the CRI did not stop: processes in the pods' cgroups, then our runc shims."""
    for hierarchy in pathlib.Path("/sys/fs/cgroup").iterdir():
        kubepods = hierarchy / "kubepods"
        if not kubepods.is_dir():
            continue
        for procs in kubepods.rglob("cgroup.procs"):
            with contextlib.suppress(OSError, ValueError):
                for pid in procs.read_text().split():
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(int(pid), signal.SIGKILL)
    shim_path = str(shim.resolve())
    for proc in pathlib.Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(proc / "exe") == shim_path:
                    os.kill(int(proc.name), signal.SIGKILL)


def _mount_points() -> list[str]:
    points = []
    for line in pathlib.Path("/proc/self/mountinfo").read_text().splitlines():
        raw = line.split()[4]
        points.append(raw.encode().decode("unicode_escape"))  # \040 etc.: octal escapes
    return points


def _detach_mounts(roots: tuple[pathlib.Path, ...]) -> None:
    """Lazily unmount everything mounted under roots (deepest first): volumes, rootfs, netns files."""
    libc = ctypes.CDLL(None, use_errno=True)
    prefixes = [str(r.resolve()) for r in roots]
    for _ in range(3):  # a mount can be stacked on another of the same path
        under = [m for m in _mount_points() if any(m == p or m.startswith(p + "/") for p in prefixes)]
        if not under:
            return
        for point in sorted(under, key=len, reverse=True):
            libc.umount2(point.encode(), 2)  # MNT_DETACH
    left = [m for m in _mount_points() if any(m.startswith(p + "/") for p in prefixes)]
    if left:
        raise StackError("node", f"could not unmount {left[:5]}")
