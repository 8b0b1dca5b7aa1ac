"""The one host address pods can reach: the real stack's servers listen on it beside 127.0.0.1.

Pods live in their own network namespaces, where 127.0.0.1 is the pod itself. The stack therefore
puts one more address on this machine, POD_HOST on a dummy interface, and each server listens on
it too. The address sits on the loopback interface (this kernel has no dummy links), so it is local
to the host: a pod reaches it through its default route (the CNI bridge on the host), nothing is
NATed and nothing leaves the machine. `make stack-secret` writes these addresses for pods.
"""

from __future__ import annotations

import shutil
import subprocess

from e2e.stack.service import StackError

INTERFACE = "lo"
POD_HOST = "10.250.0.1"
# the pod network (the node's podCIDR is its first /24) and the Service network (kube.SERVICE_CIDR)
POD_CIDR = "10.244.0.0/16"
NODE_POD_CIDR = "10.244.0.0/24"
CLUSTER_DNS = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    ip = shutil.which("ip") or "/usr/sbin/ip"
    return subprocess.run([ip, *args], capture_output=True, text=True, check=check)


def present() -> bool:
    """POD_HOST is an address of this machine right now."""
    found = _ip("-o", "-4", "addr", "show", "dev", INTERFACE, check=False)
    return found.returncode == 0 and f" {POD_HOST}/" in found.stdout


def ensure() -> None:
    """Add POD_HOST to the loopback interface (idempotent); needs root, as the node does."""
    if present():
        return
    try:
        _ip("addr", "replace", f"{POD_HOST}/32", "dev", INTERFACE)
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = exc.stderr.strip() if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        raise StackError("hostnet", f"cannot add {POD_HOST} on {INTERFACE} (root needed): {detail}") from exc
