"""The real node runs real pods: containers from a locally built image, in their own network
namespaces on 10.244.0.0/24, reachable through Service ClusterIPs from this machine and from other
pods, with cluster DNS, a route to the stack's servers on POD_HOST, kubectl logs and exec, and
nothing left behind when a pod is deleted.

The container is e2e/node/echo (a static Go program: an HTTP server plus the client commands the
tests run inside pods), packed into an OCI archive by e2e/stack/oci.py and imported with
e2e.stack.node.import_image, the way the project's own image reaches the node.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import pathlib
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from e2e import waiting
from e2e.stack import hostnet, node, oci
from e2e.stack.node_config import NODE_LABEL, NODE_NAME
from e2e.stack.service import StackContext, StackError

pytestmark = pytest.mark.needs("node")

ECHO_SOURCE = pathlib.Path(__file__).parent / "node" / "echo"
REAL_NODE_SELECTOR = {"scheduler.alpha.kubernetes.io/node-selector": f"{NODE_LABEL[0]}={NODE_LABEL[1]}"}
TIMEOUT_S = 120


class Kubectl:
    """The stack's kubectl (found on the PATH `make stack-env` gives), in one namespace."""

    def __init__(self, env: dict[str, str], namespace: str) -> None:
        found = shutil.which("kubectl", path=env["PATH"])
        assert found, f"kubectl not on the stack's PATH {env['PATH']}"
        self.binary, self.namespace = found, namespace
        self.env = {**os.environ, "KUBECONFIG": env["KUBECONFIG"]}

    def run(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.binary, "-n", self.namespace, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=TIMEOUT_S,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done

    def apply(self, *objects: dict[str, Any]) -> None:
        self.run("apply", "-f", "-", stdin="\n---\n".join(json.dumps(o) for o in objects))

    def json(self, *args: str) -> Any:
        return json.loads(self.run("get", *args, "-o", "json").stdout)

    def exec(self, pod: str, *command: str) -> str:
        return self.run("exec", pod, "--", *command).stdout.strip()


def _echo_image(ctx: StackContext) -> tuple[str, pathlib.Path]:
    """Build e2e/node/echo (static) and pack it as an OCI archive; both cached by source hash."""
    digest = hashlib.sha256()
    for path in sorted(ECHO_SOURCE.glob("*")):
        digest.update(path.name.encode() + path.read_bytes())
    key = digest.hexdigest()[:12]
    out = ctx.cache_dir / "node" / f"echo-{key}"
    archive, name = out / "echo.tar", f"localhost/rookery-echo:{key}"
    if not archive.exists():
        out.mkdir(parents=True, exist_ok=True)
        go = shutil.which("go")
        assert go, "go is needed to build the test image"
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-p=2"}
        argv = [go, "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out / "echo"), "."]
        subprocess.run(argv, cwd=ECHO_SOURCE, env=env, check=True, capture_output=True, timeout=600)
        oci.write(archive, name, [oci.File.from_host("/echo", out / "echo")], entrypoint=["/echo"], cmd=["serve"])
    return name, archive


def _pod(name: str, image: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A pod of the echo image, as locked down as the platform's own pods are."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": {
            "terminationGracePeriodSeconds": 2,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                {
                    "name": "echo",
                    "image": image,
                    "imagePullPolicy": "Never",  # only ever here: imported, never pulled
                    "args": ["serve"],
                    "ports": [{"containerPort": 8080}],
                    "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1},
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}},
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def cluster(stack_env: dict[str, str]) -> Iterator[Kubectl]:
    """A namespace whose pods go to the real node, with the echo server pod + Service and a client pod."""
    ctx = StackContext.default()
    image, archive = _echo_image(ctx)
    assert node.import_image(ctx, archive) == [image]
    namespace = f"e2e-node-{uuid.uuid4().hex[:8]}"
    kubectl = Kubectl(stack_env, namespace)
    namespace_object = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "annotations": REAL_NODE_SELECTOR},
    }
    kubectl.apply(namespace_object)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "echo"},
        "spec": {"selector": {"app": "echo"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    kubectl.apply(_pod("echo", image), _pod("client", image), service)
    kubectl.image = image  # type: ignore[attr-defined]
    try:
        kubectl.run("wait", "--for=condition=Ready", "pod/echo", "pod/client", f"--timeout={TIMEOUT_S}s")
        # a Ready pod reaches the Service's rules through the EndpointSlice controller and kube-proxy,
        # both asynchronous (seen on a cold CI machine: refused right after Ready)
        waiting.eventually(
            lambda: _answers(f"http://{_cluster_ip(kubectl)}/"),
            "the echo Service's ClusterIP answering",
            timeout_s=TIMEOUT_S,
            interval_s=0.5,
        )
        yield kubectl
    finally:
        kubectl.run("delete", "namespace", namespace, "--wait=false", check=False)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _cluster_ip(kubectl: Kubectl) -> str:
    return str(kubectl.json("service", "echo")["spec"]["clusterIP"])


def test_pods_run_on_the_real_node_in_their_own_network_namespaces(cluster: Kubectl) -> None:
    for name in ("echo", "client"):
        pod = cluster.json("pod", name)
        assert pod["spec"]["nodeName"] == NODE_NAME
        assert pod["spec"]["nodeSelector"] == {NODE_LABEL[0]: NODE_LABEL[1]}  # from the namespace
        assert ipaddress.ip_address(pod["status"]["podIP"]) in ipaddress.ip_network(hostnet.NODE_POD_CIDR)
    pod_netns = cluster.exec("echo", "/echo", "netns")
    assert pod_netns.startswith("net:[")
    assert pod_netns != os.readlink("/proc/self/ns/net")
    assert cluster.exec("client", "/echo", "netns") not in (pod_netns, os.readlink("/proc/self/ns/net"))


def test_a_service_cluster_ip_answers_from_this_machine_and_from_another_pod(cluster: Kubectl) -> None:
    cluster_ip = _cluster_ip(cluster)
    assert ipaddress.ip_address(cluster_ip) in ipaddress.ip_network("10.96.0.0/16")
    echo_ip = cluster.json("pod", "echo")["status"]["podIP"]
    from_host = httpx.get(f"http://{cluster_ip}/", timeout=10)
    assert from_host.status_code == 200
    assert from_host.text.strip() == f"hello from echo ({echo_ip})"
    assert cluster.exec("client", "/echo", "get", f"http://{cluster_ip}/") == f"hello from echo ({echo_ip})"


def test_cluster_dns_resolves_services_from_a_pod(cluster: Kubectl) -> None:
    cluster_ip = _cluster_ip(cluster)
    fqdn = f"echo.{cluster.namespace}.svc.{hostnet.CLUSTER_DOMAIN}"
    assert cluster.exec("client", "/echo", "resolve", fqdn) == cluster_ip
    assert cluster.exec("client", "/echo", "resolve", "echo") == cluster_ip  # the pod's search path
    assert cluster.exec("client", "/echo", "get", "http://echo/").startswith("hello from echo")
    missing = cluster.run("exec", "client", "--", "/echo", "resolve", f"nothing.{cluster.namespace}", check=False)
    assert missing.returncode != 0 and "no such host" in missing.stderr
    # nothing outside the cluster resolves (no upstream): an answer, not a timeout or a refusal
    outside = cluster.run("exec", "client", "--", "/echo", "resolve", "example.org", check=False)
    assert outside.returncode != 0 and "no such host" in outside.stderr


def test_the_apiserver_answers_pods_at_the_kubernetes_service(cluster: Kubectl) -> None:
    # TLS to 10.96.0.1:443 reaches the apiserver (the client does not trust its CA: that is the answer)
    done = cluster.run("exec", "client", "--", "/echo", "get", "https://kubernetes.default/healthz", check=False)
    assert "certificate signed by unknown authority" in done.stderr


def test_a_pod_reaches_this_machine_on_pod_host(cluster: Kubectl) -> None:
    token = uuid.uuid4().hex
    with socket.create_server((hostnet.POD_HOST, 0)) as server:
        server.settimeout(TIMEOUT_S)
        port = server.getsockname()[1]
        peers: list[str] = []

        def answer() -> None:
            conn, peer = server.accept()
            peers.append(peer[0])
            with conn:
                conn.sendall(token.encode())

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        assert cluster.exec("client", "/echo", "read", f"{hostnet.POD_HOST}:{port}") == token
        thread.join(timeout=10)
    # not masqueraded: the connection comes from the pod's own address
    assert peers == [cluster.json("pod", "client")["status"]["podIP"]]


def test_nothing_a_pod_sends_is_routed_off_this_machine(cluster: Kubectl) -> None:
    # 198.51.100.0/24 (TEST-NET-2) is neither the pod network nor this machine: the
    # packet would be forwarded out of the bridge, so the node's FORWARD rule rejects it at once
    # (without it, an unmasqueraded packet would leave and the connect would hang until a timeout)
    done = cluster.run("exec", "client", "--", "/echo", "read", "198.51.100.7:80", check=False)
    assert done.returncode != 0
    assert "connection refused" in done.stderr or "unreachable" in done.stderr, done.stderr


def test_kubectl_logs_and_exec(cluster: Kubectl) -> None:
    marker = uuid.uuid4().hex
    cluster.exec("client", "/echo", "get", f"http://echo/{marker}")
    logs = cluster.run("logs", "echo").stdout
    assert "serving on :8080 as echo" in logs
    assert f"GET /{marker} from " in logs
    failed = cluster.run("exec", "client", "--", "/echo", "no-such-command", check=False)
    assert failed.returncode == 1 and "unknown command no-such-command" in failed.stderr


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def _sandbox_id(namespace: str, pod: str) -> str:
    ctx = StackContext.default()
    crictl = node.node_build.binary(ctx, "crictl")
    endpoint = f"unix://{node.containerd_socket(ctx)}"
    argv = [str(crictl), "-r", endpoint, "pods", "-q", "--name", f"^{pod}$", "--namespace", f"^{namespace}$"]
    ids = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30).stdout.split()
    assert len(ids) == 1, ids
    return ids[0]


def test_deleting_a_pod_leaves_no_shim_process_or_mount(cluster: Kubectl) -> None:
    image = cluster.image  # type: ignore[attr-defined]
    cluster.apply(_pod("short-lived", image))
    cluster.run("wait", "--for=condition=Ready", "pod/short-lived", f"--timeout={TIMEOUT_S}s")
    sandbox = _sandbox_id(cluster.namespace, "short-lived")
    assert _processes_mentioning(sandbox), "the pod's shim runs while the pod does"
    assert sandbox in pathlib.Path("/proc/self/mountinfo").read_text()
    cluster.run("delete", "pod", "short-lived", "--wait=true", f"--timeout={TIMEOUT_S}s")
    waiting.eventually(
        lambda: not _processes_mentioning(sandbox) and sandbox not in pathlib.Path("/proc/self/mountinfo").read_text(),
        timeout_s=60,
        interval_s=0.5,
        message=f"pod sandbox {sandbox}: a shim process or mount outlived the pod",
    )


def test_import_image_refuses_what_is_not_an_image_archive(tmp_path: pathlib.Path) -> None:
    with pytest.raises(StackError, match="does not exist"):
        node.import_image(None, tmp_path / "missing.tar")
    empty = tmp_path / "empty.tar"
    oci_free = subprocess.run(["tar", "-cf", str(empty), "-T", "/dev/null"], check=True)
    assert oci_free.returncode == 0
    with pytest.raises(StackError, match="names no image"):
        node.import_image(None, empty)
