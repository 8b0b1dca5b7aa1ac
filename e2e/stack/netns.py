"""Hosts of the HA profile: each node of a replicated store in its own network namespace.

Every node gets a namespace ``rkha-<node>`` with one veth link into the bridge ``rkha0`` on this
machine and its own address on 10.251.0.0/24 (the bridge is 10.251.0.1, the namespaces' default
route). Its server listens on that address only, so a node can be stopped, paused (SIGSTOP) or cut
off from chosen peers (packet filtering inside its namespace) on its own, while clients on this
machine reach every node through the bridge. Nothing is routed off the machine: the subnet is not
NATed and the namespaces know no route but the bridge.

A server runs inside its namespace through ``ip netns exec`` (it execs, so the pid file names the
server itself) and, for servers that refuse root, ``setpriv`` to the stack's user.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import pwd
import shutil
import subprocess
import threading

from e2e.stack.service import StackError

BRIDGE = "rkha0"
SUBNET = ipaddress.ip_network("10.251.0.0/24")
GATEWAY = "10.251.0.1"
# the HA services start in parallel threads, each making its members' hosts: one makes the bridge
_BRIDGE_LOCK = threading.Lock()


def _ip(*args: str, check: bool = True, netns: str | None = None) -> subprocess.CompletedProcess[str]:
    ip = shutil.which("ip") or "/usr/sbin/ip"
    argv = [ip, "netns", "exec", netns, ip, *args] if netns else [ip, *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise StackError("netns", f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def _iptables(netns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    ip = shutil.which("ip") or "/usr/sbin/ip"
    iptables = shutil.which("iptables") or "/usr/sbin/iptables"
    done = subprocess.run([ip, "netns", "exec", netns, iptables, "-w", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise StackError("netns", f"iptables {' '.join(args)} in {netns}: {done.stderr.strip()}")
    return done


def ensure_bridge(name: str = BRIDGE, gateway: str = f"{GATEWAY}/{SUBNET.prefixlen}") -> None:
    """The bridge with the gateway address, up (idempotent; root needed).

    Another process (a second stack command) may add it between our look and our add: an add that
    fails is fine when the bridge is there afterwards."""
    with _BRIDGE_LOCK:
        if _ip("link", "show", name, check=False).returncode != 0:
            added = _ip("link", "add", name, "type", "bridge", check=False)
            if added.returncode != 0 and _ip("link", "show", name, check=False).returncode != 0:
                raise StackError("netns", f"ip link add {name} type bridge: {added.stderr.strip()}")
        _ip("addr", "replace", gateway, "dev", name)
        _ip("link", "set", name, "up")


@dataclasses.dataclass(frozen=True)
class Host:
    """One node's namespace: ``name`` (short, e.g. "redis-1") and its address on the bridge."""

    name: str
    address: str

    @property
    def netns(self) -> str:
        return f"rkha-{self.name}"

    @property
    def veth(self) -> str:  # the host end, on the bridge (interface names stop at 15 characters)
        return f"rkh{int(ipaddress.ip_address(self.address)) & 0xFF}"

    def exists(self) -> bool:
        return self.netns in _ip("netns", "list", check=False).stdout.split()

    def ensure(self) -> None:
        """The namespace with its link, address and default route (idempotent)."""
        ensure_bridge()
        if not self.exists():
            _ip("netns", "add", self.netns)
        _ip("link", "set", "lo", "up", netns=self.netns)
        if _ip("link", "show", "eth0", check=False, netns=self.netns).returncode != 0:
            _ip("link", "del", self.veth, check=False)
            _ip("link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.netns)
            _ip("link", "set", self.veth, "master", BRIDGE)
            _ip("link", "set", self.veth, "up")
        _ip("addr", "replace", f"{self.address}/{SUBNET.prefixlen}", "dev", "eth0", netns=self.netns)
        _ip("link", "set", "eth0", "up", netns=self.netns)
        _ip("route", "replace", "default", "via", GATEWAY, netns=self.netns)

    def remove(self) -> None:
        if self.exists():
            _ip("netns", "del", self.netns)
        _ip("link", "del", self.veth, check=False)

    def argv(self, command: list[str], user: str | None = None) -> list[str]:
        """``command`` run inside the namespace (as ``user`` when given: setpriv after the switch)."""
        ip = shutil.which("ip") or "/usr/sbin/ip"
        prefix = [ip, "netns", "exec", self.netns]
        if user is not None:
            entry = pwd.getpwnam(user)
            prefix += [
                shutil.which("setpriv") or "/usr/bin/setpriv",
                f"--reuid={entry.pw_uid}",
                f"--regid={entry.pw_gid}",
                "--clear-groups",
                "--",
            ]
        return prefix + command

    def cut_off(self, *peers: str) -> None:
        """Drop every packet between this node and ``peers`` (addresses), both ways, inside its namespace."""
        for peer in peers:
            _iptables(self.netns, "-I", "INPUT", "-s", peer, "-j", "DROP")
            _iptables(self.netns, "-I", "OUTPUT", "-d", peer, "-j", "DROP")

    def heal(self) -> None:
        """Forget every filter cut_off added."""
        _iptables(self.netns, "-F", "INPUT")
        _iptables(self.netns, "-F", "OUTPUT")


def host(name: str, index: int) -> Host:
    """The ``index``-th address of the subnet (10.251.0.<index>) for node ``name``."""
    if not 10 <= index < 250:
        raise ValueError(f"host index {index} outside 10..249")
    return Host(name, str(SUBNET.network_address + index))
