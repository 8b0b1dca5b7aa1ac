"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, controller-manager, scheduler, kwok.

The binaries are built from the Go module proxy by the module in e2e/kube (its go.mod pins the
releases). There are no kubelets: kwok plays the kubelet for fake Nodes it manages (selected by an
annotation), so Deployments get pods that are scheduled, run and report Ready.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import hashlib
import ipaddress
import os
import pathlib
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from e2e.stack.service import Service, StackContext, StackError

# Pinned releases; e2e/kube/go.mod must require the same ones (install() checks).
KUBERNETES_VERSION = "1.36.3"
ETCD_VERSION = "3.6.8"
KWOK_VERSION = "0.8.0"

GO_MODULE_DIR = pathlib.Path(__file__).resolve().parents[1] / "kube"
HOST = "127.0.0.1"
ETCD_CLIENT_PORT, ETCD_PEER_PORT = 2379, 2380
APISERVER_PORT = 6443
CONTROLLER_MANAGER_PORT, SCHEDULER_PORT = 10257, 10259
SERVICE_CIDR = "10.96.0.0/16"
KWOK_ANNOTATION = "kwok.x-k8s.io/node"
FAKE_NODES = ("kwok-node-0", "kwok-node-1")
FAKE_NODE_ALLOCATABLE = {"cpu": "32", "memory": "128Gi", "pods": "110", "nvidia.com/gpu": "4"}
# kwok's own stage definitions (in its module source) that make nodes and pods behave like kubelet's.
KWOK_STAGES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)


@dataclasses.dataclass(frozen=True)
class Binary:
    name: str  # file name under bin/ and the component's name in logs and pid files
    package: str  # Go package built into it


BINARIES = (
    Binary("etcd", "go.etcd.io/etcd/server/v3"),
    Binary("kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver"),
    Binary("kube-controller-manager", "k8s.io/kubernetes/cmd/kube-controller-manager"),
    Binary("kube-scheduler", "k8s.io/kubernetes/cmd/kube-scheduler"),
    Binary("kwok", "sigs.k8s.io/kwok/cmd/kwok"),
)
START_ORDER = tuple(b.name for b in BINARIES)


class KubeControlPlane(Service):
    name = "kube"
    ports = (ETCD_CLIENT_PORT, ETCD_PEER_PORT, APISERVER_PORT, CONTROLLER_MANAGER_PORT, SCHEDULER_PORT)
    depends_on = ()
    ready_timeout_s = 180.0

    # -- where things live ---------------------------------------------------------------------

    def build_dir(self, ctx: StackContext) -> pathlib.Path:
        return ctx.cache_dir / "kube" / f"v{KUBERNETES_VERSION}"

    def bin(self, ctx: StackContext, name: str) -> pathlib.Path:
        return self.build_dir(ctx) / "bin" / name

    def kubeconfig(self, ctx: StackContext) -> pathlib.Path:
        return ctx.service_dir(self.name) / "admin.kubeconfig"

    def _log(self, ctx: StackContext, component: str) -> pathlib.Path:
        return ctx.service_dir(self.name) / f"{component}.log"

    def _pidfile(self, ctx: StackContext, component: str) -> pathlib.Path:
        return ctx.service_dir(self.name) / f"{component}.pid"

    # -- install -------------------------------------------------------------------------------

    def install(self, ctx: StackContext) -> None:
        self._check_pins()
        stamp = self.build_dir(ctx) / "go.sum.sha256"
        wanted = hashlib.sha256((GO_MODULE_DIR / "go.sum").read_bytes()).hexdigest()
        have_all = all(self.bin(ctx, b.name).exists() for b in BINARIES)
        if have_all and stamp.exists() and stamp.read_text() == wanted and self._stages(ctx).exists():
            return
        log = self.build_dir(ctx) / "build.log"
        (self.build_dir(ctx) / "bin").mkdir(parents=True, exist_ok=True)
        version_flags = " ".join(
            f"-X {pkg}.{var}={value}"
            for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
            for var, value in (
                ("gitVersion", f"v{KUBERNETES_VERSION}"),
                ("gitMajor", KUBERNETES_VERSION.split(".")[0]),
                ("gitMinor", KUBERNETES_VERSION.split(".")[1]),
            )
        )
        # -trimpath and a stripped binary keep link time and memory down; Go's build cache stays
        # at its default so a changed pin rebuilds incrementally.
        common = ["go", "build", "-trimpath"]
        with log.open("w") as out:
            for binary in BINARIES:
                ldflags = "-s -w" if binary.name == "etcd" else f"-s -w {version_flags}"
                cmd = [*common, "-ldflags", ldflags, "-o", str(self.bin(ctx, binary.name)), binary.package]
                out.write(f"$ {' '.join(cmd)}\n")
                out.flush()
                try:
                    done = subprocess.run(cmd, cwd=GO_MODULE_DIR, stdout=out, stderr=subprocess.STDOUT)
                except FileNotFoundError as exc:
                    raise StackError(self.name, "building needs the Go toolchain (go) on PATH") from exc
                if done.returncode != 0:
                    raise StackError(self.name, f"go build of {binary.name} failed", log)
        self._write_stages(ctx, log)
        stamp.write_text(wanted)

    def _check_pins(self) -> None:
        gomod = (GO_MODULE_DIR / "go.mod").read_text()
        for module, version in (
            ("k8s.io/kubernetes", KUBERNETES_VERSION),
            ("go.etcd.io/etcd/server/v3", ETCD_VERSION),
            ("sigs.k8s.io/kwok", KWOK_VERSION),
        ):
            if f"{module} v{version}" not in gomod:
                raise StackError(self.name, f"e2e/kube/go.mod does not require {module} v{version}")

    def _stages(self, ctx: StackContext) -> pathlib.Path:
        return self.build_dir(ctx) / "kwok-stages.yaml"

    def _write_stages(self, ctx: StackContext, log: pathlib.Path) -> None:
        found = subprocess.run(
            ["go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok"],
            cwd=GO_MODULE_DIR,
            capture_output=True,
            text=True,
        )
        source = pathlib.Path(found.stdout.strip())
        if found.returncode != 0 or not source.is_dir():
            raise StackError(self.name, f"cannot locate the kwok module source: {found.stderr.strip()}", log)
        documents = [(source / stage).read_text() for stage in KWOK_STAGES]
        self._stages(ctx).write_text("\n---\n".join(documents))

    # -- start / stop --------------------------------------------------------------------------

    def start(self, ctx: StackContext) -> None:
        for port in self.ports:
            if _listening(port):
                raise StackError(self.name, f"port {port} on {HOST} is already in use")
        home = ctx.service_dir(self.name)
        pki = _ensure_pki(home / "pki")
        self.kubeconfig(ctx).write_text(_kubeconfig(pki))
        deadline = time.monotonic() + self.ready_timeout_s

        self._spawn(ctx, "etcd", self._etcd_args(home))
        self._wait(ctx, "etcd", deadline, self._etcd_healthy)
        self._spawn(ctx, "kube-apiserver", self._apiserver_args(pki))
        self._wait(ctx, "kube-apiserver", deadline, lambda: self._apiserver_ready(ctx))
        kubeconfig = str(self.kubeconfig(ctx))
        self._spawn(ctx, "kube-controller-manager", self._controller_manager_args(pki, kubeconfig))
        self._spawn(ctx, "kube-scheduler", self._scheduler_args(kubeconfig))
        self._spawn(
            ctx,
            "kwok",
            [
                f"--kubeconfig={kubeconfig}",
                f"--config={self._stages(ctx)}",
                "--manage-all-nodes=false",
                f"--manage-nodes-with-annotation-selector={KWOK_ANNOTATION}=fake",
            ],
        )
        self._register_fake_nodes(ctx)

    def _etcd_args(self, home: pathlib.Path) -> list[str]:
        client, peer = f"http://{HOST}:{ETCD_CLIENT_PORT}", f"http://{HOST}:{ETCD_PEER_PORT}"
        return [
            "--name=rookery",
            f"--data-dir={home / 'etcd-data'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=rookery={peer}",
            "--auto-compaction-retention=1",
            # a throwaway test cluster on a shared disk: skip fsync rather than wait on it
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]

    def _apiserver_args(self, pki: pathlib.Path) -> list[str]:
        return [
            f"--bind-address={HOST}",
            f"--advertise-address={HOST}",
            f"--secure-port={APISERVER_PORT}",
            f"--etcd-servers=http://{HOST}:{ETCD_CLIENT_PORT}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=Node,RBAC",
            "--allow-privileged=true",
        ]

    def _controller_manager_args(self, pki: pathlib.Path, kubeconfig: str) -> list[str]:
        return [
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            f"--bind-address={HOST}",
            f"--secure-port={CONTROLLER_MANAGER_PORT}",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--use-service-account-credentials=true",
            "--leader-elect=false",
        ]

    def _scheduler_args(self, kubeconfig: str) -> list[str]:
        return [
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            f"--bind-address={HOST}",
            f"--secure-port={SCHEDULER_PORT}",
            "--leader-elect=false",
        ]

    def _spawn(self, ctx: StackContext, component: str, args: list[str]) -> None:
        binary = self.bin(ctx, component)
        if not binary.exists():
            raise StackError(self.name, f"{binary} is missing; run install first")
        log = self._log(ctx, component)
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(binary), *args],
                cwd=ctx.service_dir(self.name),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._pidfile(ctx, component).write_text(str(process.pid))

    def _wait(self, ctx: StackContext, component: str, deadline: float, ready: Callable[[], bool]) -> None:
        while time.monotonic() < deadline:
            self._raise_if_dead(ctx)
            if ready():
                return
            time.sleep(0.5)
        raise StackError(
            self.name, f"{component} not ready after {self.ready_timeout_s:.0f}s", self._log(ctx, component)
        )

    def _raise_if_dead(self, ctx: StackContext) -> None:
        for component in START_ORDER:
            pidfile = self._pidfile(ctx, component)
            if pidfile.exists() and not _alive(int(pidfile.read_text()), self.bin(ctx, component)):
                raise StackError(self.name, f"{component} exited", self._log(ctx, component))

    def stop(self, ctx: StackContext) -> None:
        for component in reversed(START_ORDER):
            pidfile = self._pidfile(ctx, component)
            if not pidfile.exists():
                continue
            pid = int(pidfile.read_text())
            if _alive(pid, self.bin(ctx, component)):
                _terminate(pid, self.bin(ctx, component))
            pidfile.unlink()
        deadline = time.monotonic() + 15
        while (busy := [p for p in self.ports if _listening(p)]) and time.monotonic() < deadline:
            time.sleep(0.2)
        if busy:
            raise StackError(self.name, f"ports {busy} still listen after stop (not started by this stack?)")

    # -- health --------------------------------------------------------------------------------

    def _client(self, ctx: StackContext) -> httpx.Client:
        pki = ctx.service_dir(self.name) / "pki"
        return httpx.Client(
            base_url=f"https://{HOST}:{APISERVER_PORT}",
            verify=str(pki / "ca.crt"),
            cert=(str(pki / "admin.crt"), str(pki / "admin.key")),
            timeout=5.0,
        )

    def _etcd_healthy(self) -> bool:
        try:
            response = httpx.get(f"http://{HOST}:{ETCD_CLIENT_PORT}/health", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.json().get("health") == "true"

    def _apiserver_ready(self, ctx: StackContext) -> bool:
        try:
            with self._client(ctx) as client:
                return client.get("/readyz").status_code == 200
        except (httpx.HTTPError, OSError):
            return False

    def healthy(self, ctx: StackContext) -> bool:
        """The apiserver answers /readyz and kwok reports every fake node Ready (pods can run)."""
        if not (ctx.service_dir(self.name) / "pki" / "admin.crt").exists():
            return False
        try:
            with self._client(ctx) as client:
                if client.get("/readyz").status_code != 200:
                    return False
                for node in FAKE_NODES:
                    response = client.get(f"/api/v1/nodes/{node}")
                    if response.status_code != 200 or not _node_ready(response.json()):
                        return False
        except (httpx.HTTPError, OSError):
            return False
        return True

    def _register_fake_nodes(self, ctx: StackContext) -> None:
        with self._client(ctx) as client:
            for name in FAKE_NODES:
                response = client.post("/api/v1/nodes", json=_fake_node(name))
                if response.status_code not in (201, 409):  # 409: kept from an earlier run
                    raise StackError(
                        self.name,
                        f"creating fake node {name}: HTTP {response.status_code} {response.text[:200]}",
                        self._log(ctx, "kube-apiserver"),
                    )

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"KUBECONFIG": str(self.kubeconfig(ctx))}


# -- fake nodes ------------------------------------------------------------------------------------


def _fake_node(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {KWOK_ANNOTATION: "fake"},
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "nvidia.com/gpu.present": "true",
            },
        },
        "status": {"allocatable": FAKE_NODE_ALLOCATABLE, "capacity": FAKE_NODE_ALLOCATABLE},
    }


def _node_ready(node: dict[str, object]) -> bool:
    status = node.get("status")
    conditions = status.get("conditions", []) if isinstance(status, dict) else []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


# -- processes and ports ---------------------------------------------------------------------------


def _alive(pid: int, binary: pathlib.Path) -> bool:
    """The pid still runs our binary (not a zombie, not a recycled pid)."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state != "Z" and exe == str(binary)


def _terminate(pid: int, binary: pathlib.Path, grace_s: float = 15.0) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while _alive(pid, binary) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.1)
    if _alive(pid, binary):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid, binary):
            time.sleep(0.05)
    _reap(pid)


def _reap(pid: int) -> None:
    # a child of another process (e.g. `stack up`) is not ours to reap; init does it
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


# -- certificates ----------------------------------------------------------------------------------


def _ensure_pki(pki: pathlib.Path) -> pathlib.Path:
    """CA, apiserver serving cert, admin client cert (system:masters) and the service-account key pair."""
    if (pki / "admin.crt").exists():
        return pki
    pki.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rookery-kube-ca")])
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(pki, "ca", ca, ca_key)

    service_ip = ipaddress.ip_network(SERVICE_CIDR)[1]  # the `kubernetes` Service's ClusterIP
    dns = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"]
    dns.append("kubernetes.default.svc.cluster.local")
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    sans += [x509.IPAddress(ipaddress.ip_address(HOST)), x509.IPAddress(service_ip)]
    _leaf(pki, "apiserver", ca, ca_key, "kube-apiserver", [], ExtendedKeyUsageOID.SERVER_AUTH, sans)
    _leaf(pki, "admin", ca, ca_key, "rookery-admin", ["system:masters"], ExtendedKeyUsageOID.CLIENT_AUTH, [])

    sa_key = ec.generate_private_key(ec.SECP256R1())
    (pki / "sa.key").write_bytes(_private_pem(sa_key))
    (pki / "sa.pub").write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return pki


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
    )


def _leaf(
    pki: pathlib.Path,
    name: str,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    organizations: Iterable[str],
    usage: x509.ObjectIdentifier,
    sans: list[x509.GeneralName],
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    subject = x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = _builder(subject, ca.subject, key.public_key()).add_extension(
        x509.ExtendedKeyUsage([usage]), critical=False
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    _write(pki, name, builder.sign(ca_key, hashes.SHA256()), key)


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(pki: pathlib.Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    (pki / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (pki / f"{name}.key").write_bytes(_private_pem(key))
    (pki / f"{name}.key").chmod(0o600)


def _kubeconfig(pki: pathlib.Path) -> str:
    def b64(file: str) -> str:
        return base64.b64encode((pki / file).read_bytes()).decode()

    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "rookery",
                    "cluster": {
                        "server": f"https://{HOST}:{APISERVER_PORT}",
                        "certificate-authority-data": b64("ca.crt"),
                    },
                }
            ],
            "users": [
                {
                    "name": "rookery-admin",
                    "user": {
                        "client-certificate-data": b64("admin.crt"),
                        "client-key-data": b64("admin.key"),
                    },
                }
            ],
            "contexts": [{"name": "rookery", "context": {"cluster": "rookery", "user": "rookery-admin"}}],
            "current-context": "rookery",
        }
    )
