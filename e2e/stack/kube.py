"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, controller-manager, scheduler, kwok.

The binaries are built with `go build` from the Go module proxy by the module in e2e/kube, whose
go.mod requires the releases pinned in versions.toml [kube]. kwok plays the kubelet for fake Nodes
it manages (selected by an annotation, labelled type=kwok), so Deployments get pods that the
scheduler binds and that report Ready; the real node beside them is e2e/stack/node.py. The
PodNodeSelector admission plugin lets a namespace pick one or the other by annotation.
"""

from __future__ import annotations

import hashlib
import pathlib
import ssl
import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx

from e2e.stack import hostnet, kube_pki, process
from e2e.stack.service import Service, StackContext, StackError
from e2e.stack.versions import section

GO_MODULE_DIR = pathlib.Path(__file__).resolve().parents[1] / "kube"
HOST = process.HOST
ETCD_CLIENT_PORT, ETCD_PEER_PORT = 2379, 2380
APISERVER_PORT = 6443
CONTROLLER_MANAGER_PORT, SCHEDULER_PORT = 10257, 10259
SERVICE_CIDR = "10.96.0.0/16"
KWOK_ANNOTATION = "kwok.x-k8s.io/node"
# PodNodeSelector: a namespace with this annotation has its pods' nodeSelector set to the value
NODE_SELECTOR_ANNOTATION = "scheduler.alpha.kubernetes.io/node-selector"
KWOK_NAMESPACE_ANNOTATIONS = {NODE_SELECTOR_ANNOTATION: "type=kwok"}  # pods only on kwok's fake nodes
FAKE_NODES = ("kwok-node-0", "kwok-node-1")
FAKE_NODE_ALLOCATABLE = {"cpu": "32", "memory": "128Gi", "pods": "110", "nvidia.com/gpu": "4"}
# kwok's own stage definitions (in its module source) that make nodes and pods behave like kubelet's
KWOK_STAGES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)
# component -> Go package built into it, in start order
COMPONENTS = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
    "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
    "kwok": "sigs.k8s.io/kwok/cmd/kwok",
}


class KubeControlPlane(Service):
    name = "kube"
    ports = (ETCD_CLIENT_PORT, ETCD_PEER_PORT, APISERVER_PORT, CONTROLLER_MANAGER_PORT, SCHEDULER_PORT)
    ready_timeout_s = 180.0
    stop_timeout_s = 30.0
    build_timeout_s = 3600.0

    def __init__(self) -> None:
        self.pins = section("kube")

    def version(self) -> str:
        return f"Kubernetes {self.pins['kubernetes']}, etcd {self.pins['etcd']}, kwok {self.pins['kwok']}"

    # -- where things live ---------------------------------------------------------------------

    def build_dir(self, ctx: StackContext) -> pathlib.Path:
        return ctx.cache_dir / "kube" / f"v{self.pins['kubernetes']}"

    def binary(self, ctx: StackContext, component: str) -> pathlib.Path:
        return self.build_dir(ctx) / "bin" / component

    def stages(self, ctx: StackContext) -> pathlib.Path:
        return self.build_dir(ctx) / "kwok-stages.yaml"

    def kubeconfig(self, ctx: StackContext) -> pathlib.Path:
        return ctx.service_dir(self.name) / "admin.kubeconfig"

    def pki(self, ctx: StackContext) -> pathlib.Path:
        return ctx.service_dir(self.name) / "pki"

    def log(self, ctx: StackContext, component: str | None = None) -> pathlib.Path:
        """kube.log for builds; one log per component beside it."""
        return (
            ctx.log_path(self.name) if component is None else ctx.service_dir(self.name) / f"{component}.log"
        )

    def pid_file(self, ctx: StackContext, component: str) -> pathlib.Path:
        return ctx.service_dir(self.name) / f"{component}.pid"

    # -- install -------------------------------------------------------------------------------

    def install(self, ctx: StackContext) -> None:
        """Build the five binaries (a no-op when e2e/kube/go.sum has not changed since the last build)."""
        self._check_go_mod()
        stamp = self.build_dir(ctx) / "go.sum.sha256"
        wanted = hashlib.sha256((GO_MODULE_DIR / "go.sum").read_bytes()).hexdigest()
        built = all(self.binary(ctx, c).exists() for c in COMPONENTS) and self.stages(ctx).exists()
        if built and stamp.exists() and stamp.read_text() == wanted:
            return
        go = process.which(self.name, "go", "the Kubernetes control plane is built from source with Go")
        (self.build_dir(ctx) / "bin").mkdir(parents=True, exist_ok=True)
        for component, package in COMPONENTS.items():
            # -trimpath and stripped binaries keep link time and memory down; Go's build cache stays
            # at its default so a changed pin rebuilds incrementally
            ldflags = "-s -w" if component == "etcd" else f"-s -w {self._version_ldflags()}"
            out = str(self.binary(ctx, component))
            argv = [go, "build", "-trimpath", "-ldflags", ldflags, "-o", out, package]
            process.run(self.name, argv, log=self.log(ctx), cwd=GO_MODULE_DIR, timeout=self.build_timeout_s)
        self._write_stages(ctx, go)
        stamp.write_text(wanted)

    def _check_go_mod(self) -> None:
        go_mod = (GO_MODULE_DIR / "go.mod").read_text()
        for module, pin in (
            ("k8s.io/kubernetes", "kubernetes"),
            ("go.etcd.io/etcd/server/v3", "etcd"),
            ("sigs.k8s.io/kwok", "kwok"),
        ):
            if f"{module} v{self.pins[pin]}" not in go_mod:
                raise StackError(
                    self.name, f"e2e/kube/go.mod does not require {module} v{self.pins[pin]} (versions.toml)"
                )

    def _version_ldflags(self) -> str:
        """What a release build stamps into the binaries, so /version reports the real release."""
        version = self.pins["kubernetes"]
        major, minor, _ = version.split(".")
        stamp = {"gitVersion": f"v{version}", "gitMajor": major, "gitMinor": minor}
        return " ".join(f"-X k8s.io/component-base/version.{k}={v}" for k, v in stamp.items())

    def _write_stages(self, ctx: StackContext, go: str) -> None:
        found = subprocess.run(
            [go, "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok"],
            cwd=GO_MODULE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        source = pathlib.Path(found.stdout.strip())
        if found.returncode != 0 or not source.is_dir():
            raise StackError(self.name, f"cannot locate the kwok module source: {found.stderr.strip()}")
        self.stages(ctx).write_text("\n---\n".join((source / stage).read_text() for stage in KWOK_STAGES))

    # -- start / stop --------------------------------------------------------------------------

    def start(self, ctx: StackContext) -> None:
        if self.running(ctx):  # a partial control plane of ours (a component died): start afresh
            self.stop(ctx)
        busy = [p for p in self.ports if process.port_open(p)]
        if busy:
            raise StackError(self.name, f"port(s) {busy} in use by something that is not a healthy kube")
        hostnet.ensure()  # the apiserver's advertised address (pods reach it there)
        pki = kube_pki.ensure(self.pki(ctx), host=HOST, service_cidr=SERVICE_CIDR)
        self.kubeconfig(ctx).write_text(kube_pki.kubeconfig(pki, f"https://{HOST}:{APISERVER_PORT}"))
        try:
            self._start_components(ctx, pki)
        except BaseException:
            self.stop(ctx)  # no half-started control plane left behind; the logs stay
            raise

    def _start_components(self, ctx: StackContext, pki: pathlib.Path) -> None:
        home, kubeconfig = ctx.service_dir(self.name), self.kubeconfig(ctx)
        self._spawn(ctx, "etcd", _etcd_args(home))
        self._wait(ctx, "etcd", _etcd_healthy)
        self._spawn(ctx, "kube-apiserver", _apiserver_args(pki))
        self._wait(ctx, "kube-apiserver", lambda: self._apiserver_ready(ctx))
        self._spawn(ctx, "kube-controller-manager", _controller_manager_args(pki, kubeconfig))
        self._spawn(ctx, "kube-scheduler", _scheduler_args(kubeconfig))
        self._spawn(
            ctx,
            "kwok",
            [
                f"--kubeconfig={kubeconfig}",
                f"--config={self.stages(ctx)}",
                "--manage-all-nodes=false",
                f"--manage-nodes-with-annotation-selector={KWOK_ANNOTATION}=fake",
                # renew node leases: without them the node controller marks the fake nodes
                # NotReady every ~50 s and their pods lose Ready
                "--node-lease-duration-seconds=40",
            ],
        )
        self._register_fake_nodes(ctx)

    def _spawn(self, ctx: StackContext, component: str, args: list[str]) -> None:
        binary = self.binary(ctx, component)
        if not binary.exists():
            raise StackError(self.name, f"{binary} is missing; install() builds it")
        process.spawn(
            [binary, *args],
            log=self.log(ctx, component),
            pid_file=self.pid_file(ctx, component),
            cwd=ctx.service_dir(self.name),
        )

    def _wait(self, ctx: StackContext, component: str, ready: Callable[[], bool]) -> None:
        process.wait_until(
            f"{self.name}/{component}",
            ready,
            timeout=self.ready_timeout_s,
            log=self.log(ctx, component),
            pid_file=self.pid_file(ctx, component),
        )

    def wait_healthy(self, ctx: StackContext) -> None:
        """Poll healthy(); a component that exits meanwhile fails at once, naming its log."""
        deadline = time.monotonic() + self.ready_timeout_s
        while not self.healthy(ctx):
            for component in COMPONENTS:
                if not process.running(self.pid_file(ctx, component)):
                    raise StackError(self.name, f"{component} exited", self.log(ctx, component))
            if time.monotonic() > deadline:
                raise StackError(self.name, f"not healthy after {self.ready_timeout_s:.0f}s", self.log(ctx))
            time.sleep(0.5)

    def stop(self, ctx: StackContext) -> None:
        for component in reversed(COMPONENTS):
            process.stop_pid_file(self.pid_file(ctx, component), timeout=self.stop_timeout_s)
        still = process.wait_ports_closed(self.ports, timeout=15)
        if still:
            raise StackError(self.name, f"stopped our processes but port(s) {still} still listen (not ours?)")

    def running(self, ctx: StackContext) -> bool:
        return any(process.running(self.pid_file(ctx, c)) for c in COMPONENTS)

    def rss_kib(self, ctx: StackContext) -> int | None:
        sizes = [process.rss_kib(self.pid_file(ctx, c)) for c in COMPONENTS]
        return sum(s for s in sizes if s) or None

    # -- health and clients --------------------------------------------------------------------

    def _client(self, ctx: StackContext) -> httpx.Client:
        pki = self.pki(ctx)
        tls = ssl.create_default_context(cafile=pki / "ca.crt")
        tls.load_cert_chain(pki / "admin.crt", pki / "admin.key")
        return httpx.Client(base_url=f"https://{HOST}:{APISERVER_PORT}", verify=tls, timeout=5.0)

    def _apiserver_ready(self, ctx: StackContext) -> bool:
        try:
            with self._client(ctx) as client:
                return client.get("/readyz").status_code == 200
        except (httpx.HTTPError, OSError):
            return False

    def healthy(self, ctx: StackContext) -> bool:
        """The apiserver's /readyz (as admin), controller-manager's and scheduler's /healthz answer 200,
        and kwok reports every fake node Ready: Deployments can get running pods."""
        if not (self.pki(ctx) / "admin.crt").exists() or not process.port_open(APISERVER_PORT):
            return False
        if not all(_component_healthy(port) for port in (CONTROLLER_MANAGER_PORT, SCHEDULER_PORT)):
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
            for node in FAKE_NODES:
                response = client.post("/api/v1/nodes", json=_fake_node(node))
                if response.status_code not in (201, 409):  # 409: kept in etcd from an earlier run
                    raise StackError(
                        self.name,
                        f"creating fake node {node}: HTTP {response.status_code} {response.text[:200]}",
                        self.log(ctx, "kube-apiserver"),
                    )

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"KUBECONFIG": str(self.kubeconfig(ctx))}


# -- command lines ---------------------------------------------------------------------------------


def _etcd_args(home: pathlib.Path) -> list[str]:
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
        # a throwaway test cluster on a shared disk: do not wait on fsync
        "--unsafe-no-fsync=true",
        "--log-level=warn",
    ]


def _apiserver_args(pki: pathlib.Path) -> list[str]:
    return [
        # every address: 127.0.0.1 for the stack's clients, POD_HOST for pods, which reach it as the
        # `kubernetes` Service (10.96.0.1:443), advertised at POD_HOST (a loopback address would
        # leave that Service without endpoints)
        "--bind-address=0.0.0.0",
        f"--advertise-address={hostnet.POD_HOST}",
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
        # namespaces pick their nodes by annotation: kwok's fake ones (type=kwok) or the real node
        "--enable-admission-plugins=PodNodeSelector",
        # logs, exec and port-forward go to the real node's kubelet (e2e/stack/node.py)
        f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
        f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
        f"--kubelet-certificate-authority={pki / 'ca.crt'}",
        "--kubelet-preferred-address-types=InternalIP,Hostname",  # the node's name is in no DNS
        # front proxy, so aggregated APIs (metrics-server, ...) can authenticate requests
        f"--requestheader-client-ca-file={pki / 'ca.crt'}",
        f"--requestheader-allowed-names={kube_pki.FRONT_PROXY_CLIENT}",
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
        f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
    ]


def _controller_manager_args(pki: pathlib.Path, kubeconfig: pathlib.Path) -> list[str]:
    return [
        *_component_base_args(kubeconfig, CONTROLLER_MANAGER_PORT),
        f"--service-account-private-key-file={pki / 'sa.key'}",
        f"--root-ca-file={pki / 'ca.crt'}",
        f"--cluster-signing-cert-file={pki / 'ca.crt'}",
        f"--cluster-signing-key-file={pki / 'ca.key'}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--use-service-account-credentials=true",
        # a loaded 2-core machine can delay kwok's heartbeats; don't evict the fake nodes for it
        "--node-monitor-grace-period=120s",
    ]


def _scheduler_args(kubeconfig: pathlib.Path) -> list[str]:
    return _component_base_args(kubeconfig, SCHEDULER_PORT)


def _component_base_args(kubeconfig: pathlib.Path, port: int) -> list[str]:
    return [
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        f"--bind-address={HOST}",
        f"--secure-port={port}",
        "--leader-elect=false",  # one instance: no lease to wait for
    ]


def _component_healthy(port: int) -> bool:
    # their serving certificate is self-signed in memory; /healthz is open to anonymous requests
    try:
        return httpx.get(f"https://{HOST}:{port}/healthz", verify=False, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _etcd_healthy() -> bool:
    try:
        response = httpx.get(f"http://{HOST}:{ETCD_CLIENT_PORT}/health", timeout=2.0)
        return response.status_code == 200 and response.json().get("health") == "true"
    except (httpx.HTTPError, ValueError):
        return False


# -- fake nodes ------------------------------------------------------------------------------------


def _fake_node(name: str) -> dict[str, Any]:
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


def _node_ready(node: dict[str, Any]) -> bool:
    conditions = node.get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
