"""The real node's configuration files: containerd, CNI, kubelet, kube-proxy, CoreDNS and kube-dns.

Everything here is written for this machine as it is: cgroup v1 (hybrid) mounts that are never
changed (kubelet `failCgroupV1: false`, cgroupfs driver), a pod network that never leaves the
machine (bridge CNI without masquerade; e2e/stack/hostnet.py) and images that only exist locally
(image garbage collection and disk-pressure eviction effectively off).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

import yaml

from e2e.stack import hostnet

NODE_NAME = "rookery-node-0"
NODE_LABEL = ("rookery.dev/node", "real")
BRIDGE = "cni0"
BRIDGE_IP = "10.244.0.1"  # the pods' default gateway: this machine, on the CNI bridge
SANDBOX_IMAGE = "localhost/rookery-pause:1.0"
PINNED_LABEL = "io.cri-containerd.pinned=pinned"  # containerd's CRI: never garbage-collected
KUBELET_PORT, KUBELET_HEALTHZ_PORT = 10250, 10248
PROXY_METRICS_PORT, PROXY_HEALTHZ_PORT = 10249, 10256
DNS_PORT, DNS_HEALTH_PORT, DNS_READY_PORT = 53, 10253, 10254
CONTAINERD_STATE = pathlib.Path("/run/rookery/containerd")  # sockets, shims, netns: short paths


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where the node keeps its files: home = the stack's state dir for "node"."""

    home: pathlib.Path
    pki: pathlib.Path  # the control plane's (e2e/stack/kube.py), node leaves added

    @property
    def containerd_root(self) -> pathlib.Path:
        return self.home / "containerd"

    @property
    def containerd_config(self) -> pathlib.Path:
        return self.home / "containerd.toml"

    @property
    def containerd_socket(self) -> pathlib.Path:
        return CONTAINERD_STATE / "containerd.sock"

    @property
    def cni_conf_dir(self) -> pathlib.Path:
        return self.home / "cni" / "net.d"

    @property
    def cni_ipam_dir(self) -> pathlib.Path:
        return self.home / "cni" / "ipam"

    @property
    def kubelet_root(self) -> pathlib.Path:
        return self.home / "kubelet"

    @property
    def pod_logs(self) -> pathlib.Path:
        return self.home / "pod-logs"

    def file(self, name: str) -> pathlib.Path:
        return self.home / name


def containerd_toml(layout: Layout, runc: str, cni_bin_dir: str) -> str:
    runtime = 'plugins."io.containerd.cri.v1.runtime"'
    images = 'plugins."io.containerd.cri.v1.images"'
    runc_runtime = f"{runtime}.containerd.runtimes.runc"
    return f"""# written by e2e/stack/node_config.py
version = 3
root = "{layout.containerd_root}"
state = "{CONTAINERD_STATE}"

[grpc]
  address = "{layout.containerd_socket}"

[ttrpc]
  address = "{CONTAINERD_STATE / "containerd.sock.ttrpc"}"

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  # exec/attach/port-forward streams, proxied by the kubelet: loopback only
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_tcp_service = true

[{images}]
  snapshotter = "overlayfs"

[{images}.pinned_images]
  sandbox = "{SANDBOX_IMAGE}"

[{runtime}]
  # pods' network namespaces live under containerd's state dir, so stop() finds every one
  netns_mounts_under_state_dir = true
  enable_selinux = false
  # this machine withholds CAP_SYS_RESOURCE even from root: no process may lower its oom_score_adj,
  # so the kubelet's -998 for sandboxes (and negative scores for Guaranteed pods) would fail in runc
  restrict_oom_score_adj = true

[{runtime}.containerd]
  default_runtime_name = "runc"

[{runc_runtime}]
  runtime_type = "io.containerd.runc.v2"

[{runc_runtime}.options]
  BinaryName = "{runc}"
  SystemdCgroup = false

[{runtime}.cni]
  bin_dirs = ["{cni_bin_dir}"]
  conf_dir = "{layout.cni_conf_dir}"
  max_conf_num = 1
"""


def cni_conflist(layout: Layout) -> str:
    """Bridge networking on 10.244.0.0/24: the bridge is the pods' gateway; no masquerade, so a pod's
    packets keep its address and only reach this machine (hostnet.POD_HOST) and other pods."""
    config: dict[str, Any] = {
        "cniVersion": "1.0.0",
        "name": "rookery",
        "plugins": [
            {
                "type": "bridge",
                "bridge": BRIDGE,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,  # a pod reaches itself through its own Service
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": hostnet.NODE_POD_CIDR, "gateway": BRIDGE_IP}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(layout.cni_ipam_dir),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return json.dumps(config, indent=2) + "\n"


def kubelet_config(layout: Layout) -> str:
    pki = layout.pki
    config: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        # these machines mount cgroup v1 (hybrid); kubelet 1.35+ refuses v1 unless told otherwise
        "failCgroupV1": False,
        "cgroupDriver": "cgroupfs",
        "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
        "address": hostnet.POD_HOST,
        "port": KUBELET_PORT,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": KUBELET_HEALTHZ_PORT,
        "tlsCertFile": str(pki / "kubelet.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet.key"),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "clusterDNS": [hostnet.CLUSTER_DNS],
        "clusterDomain": hostnet.CLUSTER_DOMAIN,
        "podCIDR": hostnet.NODE_POD_CIDR,
        "resolvConf": str(layout.file("resolv.conf")),  # no upstream: nothing resolves off-machine
        "podLogsDir": str(layout.pod_logs),
        "failSwapOn": False,
        "maxPods": 110,
        "serializeImagePulls": False,
        "rotateCertificates": False,
        # a busy shared disk or memory must not evict the stack's pods: tiny hard thresholds only
        "evictionHard": {
            "memory.available": "50Mi",
            "nodefs.available": "100Mi",
            "nodefs.inodesFree": "1000",
            "imagefs.available": "100Mi",
            "imagefs.inodesFree": "1000",
        },
        "evictionPressureTransitionPeriod": "30s",
        # the images exist only here (built locally, never pullable): never garbage-collect them
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "imageMinimumGCAge": "87600h",
        "containerLogMaxSize": "10Mi",
        "containerLogMaxFiles": 3,
        "shutdownGracePeriod": "0s",
        "protectKernelDefaults": False,
    }
    return yaml.safe_dump(config, sort_keys=False)


def kube_proxy_config(layout: Layout) -> str:
    config: dict[str, Any] = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(layout.file("kube-proxy.kubeconfig"))},
        "hostnameOverride": NODE_NAME,
        "mode": "iptables",
        "clusterCIDR": hostnet.POD_CIDR,
        "detectLocalMode": "ClusterCIDR",
        "healthzBindAddress": f"127.0.0.1:{PROXY_HEALTHZ_PORT}",
        "metricsBindAddress": f"127.0.0.1:{PROXY_METRICS_PORT}",
        # NodePorts only on POD_HOST: nothing of the cluster is published on the machine's NIC
        "nodePortAddresses": [f"{hostnet.POD_HOST}/32"],
        # leave the machine's conntrack sysctls as they are
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s", "tcpCloseWaitTimeout": "0s"},
        "iptables": {"localhostNodePorts": False, "masqueradeAll": False, "minSyncPeriod": "1s", "syncPeriod": "30s"},
    }
    return yaml.safe_dump(config, sort_keys=False)


def corefile(layout: Layout) -> str:
    """cluster.local (and reverse zones) from the API; every other name is NXDOMAIN at once: there is
    no upstream, so no query leaves this machine (and clients do not retry a refusing server)."""
    zones = f"{hostnet.CLUSTER_DOMAIN} in-addr.arpa ip6.arpa"
    return f"""# written by e2e/stack/node_config.py
{" ".join(f"{zone}:{DNS_PORT}" for zone in zones.split())} {{
    bind {hostnet.POD_HOST}
    errors
    health 127.0.0.1:{DNS_HEALTH_PORT}
    ready 127.0.0.1:{DNS_READY_PORT}
    kubernetes {zones} {{
        kubeconfig {layout.file("coredns.kubeconfig")}
        pods insecure
    }}
    cache 5
}}
.:{DNS_PORT} {{
    bind {hostnet.POD_HOST}
    errors
    template ANY ANY {{
        rcode NXDOMAIN
    }}
}}
"""


COREDNS_USER = "rookery:coredns"  # CoreDNS's client certificate: only what its kubernetes plugin reads


def coredns_rbac() -> tuple[dict[str, Any], dict[str, Any]]:
    """A ClusterRole to list and watch what CoreDNS's kubernetes plugin reads, bound to COREDNS_USER."""
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": COREDNS_USER},
        "rules": [
            {"apiGroups": [""], "resources": ["services", "pods", "namespaces"], "verbs": ["list", "watch"]},
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": COREDNS_USER},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": COREDNS_USER},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": COREDNS_USER}],
    }
    return role, binding


def kube_dns_objects() -> tuple[dict[str, Any], dict[str, Any]]:
    """The kube-dns Service (ClusterIP hostnet.CLUSTER_DNS, no selector) and the EndpointSlice that
    sends it to CoreDNS on POD_HOST: kube-proxy then serves cluster DNS to every pod."""
    ports = [("dns", "UDP"), ("dns-tcp", "TCP")]
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {
            "clusterIP": hostnet.CLUSTER_DNS,
            "ports": [{"name": n, "protocol": p, "port": DNS_PORT, "targetPort": DNS_PORT} for n, p in ports],
        },
    }
    slice_ = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kube-dns-stack",
            "namespace": "kube-system",
            "labels": {
                "kubernetes.io/service-name": "kube-dns",
                "endpointslice.kubernetes.io/managed-by": "rookery-stack",
            },
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [hostnet.POD_HOST], "conditions": {"ready": True}}],
        "ports": [{"name": n, "protocol": p, "port": DNS_PORT} for n, p in ports],
    }
    return service, slice_
