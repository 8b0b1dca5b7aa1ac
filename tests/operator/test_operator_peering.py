"""Leader election: `rookery operator` waits, saying so, for its peering object; of two replicas one
acts, and killing it hands over to the other. Real kube-apiserver, the ServiceAccount's rights only."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from kubernetes.client.exceptions import ApiException
from operator_harness import (
    GROUP_VERSION,
    ROOT,
    Cluster,
    create_datastores_namespace,
    free_port,
    small_tenant,
    start_operator,
    unique,
)

from e2e.kopf_peering import RESUMED, acting, paused
from rookery.operator import peering

pytestmark = pytest.mark.needs("kube", "kafka", "cassandra")


def kopf_peering() -> dict[str, Any]:
    return {"apiVersion": "kopf.dev/v1", "kind": "KopfPeering", "metadata": {"name": "rookery-operator"}}


def log_has(log: pathlib.Path, *parts: str, after: int = 0) -> str | None:
    """The first line of log (from character ``after`` on) that has every part."""
    for line in log.read_text(errors="replace")[after:].splitlines():
        if all(p in line for p in parts):
            return line
    return None


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def bare_namespace(cluster: Cluster, kube_env: dict[str, str]) -> Iterator[str]:
    """A namespace with the datastores Secret and no peering object."""
    name = f"peer-{uuid.uuid4().hex[:8]}"
    create_datastores_namespace(cluster, kube_env, name)
    yield name
    cluster.delete("v1", "Namespace", name)


def test_operator_waits_for_its_peering_object_and_says_so(
    cluster: Cluster, operator_kubeconfig: pathlib.Path, peering_crds: None, bare_namespace: str, tmp_path: pathlib.Path
) -> None:
    log, liveness = tmp_path / "operator.log", free_port()
    health = f"http://127.0.0.1:{liveness}/healthz"
    proc = start_operator(
        operator_kubeconfig, log, "-n", bare_namespace, "--priority", "5", "--metrics-port", "0", "--liveness", health
    )
    try:
        started = time.monotonic()
        said = cluster.wait_for(
            "the operator saying which peering object it waits for",
            lambda: log_has(log, "waiting for the peering object", f"namespace {bare_namespace!r}"),
            timeout=20,
        )
        assert time.monotonic() - started < 15
        assert "KopfPeering 'rookery-operator'" in said and "does not exist" in said
        assert f"kubectl -n {bare_namespace} apply -f -" in said and "--standalone" in said
        assert proc.poll() is None
        with pytest.raises(httpx.HTTPError):  # not started: it neither acts nor claims to be alive
            httpx.get(health, timeout=1)

        cluster.create(kopf_peering(), namespace=bare_namespace)
        cluster.wait_for("the operator starting", lambda: log_has(log, "Peering 'rookery-operator' found"), timeout=20)
        cluster.wait_for("its liveness endpoint", lambda: _answers(health), timeout=60)

        def announced() -> bool:
            obj = cluster.get("kopf.dev/v1", "KopfPeering", "rookery-operator", bare_namespace) or {}
            return any(isinstance(p, dict) and p.get("priority") == 5 for p in (obj.get("status") or {}).values())

        cluster.wait_for("the operator in the namespace's KopfPeering", announced, timeout=60)
    finally:
        stop(proc)
    assert "Forbidden" not in log.read_text()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_missing_crds_and_rights_are_named_with_their_fix() -> None:
    """The apiserver's 404 for an unknown kind (CRDs absent) and 403 (no RBAC), as it sends them."""
    no_kind = ApiException(status=404, reason="Not Found")
    no_kind.body = json.dumps({"kind": "Status", "reason": "NotFound", "details": {}})
    forbidden = ApiException(status=403, reason="Forbidden")
    forbidden.body = json.dumps({"kind": "Status", "reason": "Forbidden", "details": {"kind": "kopfpeerings"}})
    assert "the kopf.dev peering CRDs are not installed" in peering._why(no_kind, "rookery-operator")
    assert peering._fix("ClusterKopfPeering", "rookery-operator", None, no_kind) == (
        "create it with `kubectl apply -f operator/deploy/peering.yaml`"
    )
    fix = peering._fix("KopfPeering", "rookery-operator", "social", no_kind)
    assert fix.startswith("create it with `kubectl apply -f operator/deploy/peering.yaml` (the CRDs), then ")
    assert "kubectl -n social apply -f -" in fix
    assert "forbidden" in peering._why(forbidden, "rookery-operator")
    assert peering._fix("KopfPeering", "rookery-operator", "social", forbidden) == "apply operator/deploy/rbac.yaml"


def test_two_replicas_one_acts_and_killing_it_hands_over(
    cluster: Cluster,
    operator_kubeconfig: pathlib.Path,
    peering_crds: None,
    bare_namespace: str,
    kafka_tenants: set[str],
    tmp_path: pathlib.Path,
) -> None:
    ns = bare_namespace
    cluster.create(kopf_peering(), namespace=ns)
    common = ["-n", ns, "--metrics-port", "0", "--peering-lifetime", "10", "--resync-seconds", "5"]
    leader_log, standby_log = tmp_path / "leader.log", tmp_path / "standby.log"
    leader = start_operator(operator_kubeconfig, leader_log, *common, "--priority", "20", "--liveness", "")
    standby = start_operator(operator_kubeconfig, standby_log, *common, "--priority", "10", "--liveness", "")
    first, second = unique("lead"), unique("next")
    kafka_tenants.update({first, second})
    try:

        def one_acts() -> bool:
            obj = cluster.get("kopf.dev/v1", "KopfPeering", "rookery-operator", ns) or {}
            peers = {p.get("priority") for p in (obj.get("status") or {}).values() if isinstance(p, dict)}
            leading, standing_by = leader_log.read_text(errors="replace"), standby_log.read_text(errors="replace")
            return peers >= {20, 10} and acting(leading) and paused(standing_by)

        cluster.wait_for("the higher priority acting, the lower standing by", one_acts, timeout=60)
        cluster.create(small_tenant(first), namespace=ns)
        cluster.wait_for(
            f"the leader reconciling {first}", lambda: log_has(leader_log, f"SocialTenant {ns}/{first}:"), timeout=120
        )
        assert not log_has(standby_log, f"SocialTenant {ns}/{first}")

        leader.send_signal(signal.SIGKILL)  # no goodbye: the standby waits out the leader's lifetime
        leader.wait(timeout=10)
        killed, seen = time.monotonic(), len(standby_log.read_text(errors="replace"))
        cluster.wait_for(
            "the standby taking over",
            lambda: log_has(standby_log, RESUMED, after=seen),
            timeout=60,
        )
        took_over_s = time.monotonic() - killed
        assert took_over_s < 30, took_over_s
        cluster.create(small_tenant(second), namespace=ns)
        cluster.wait_for(
            f"the new leader reconciling {second}",
            lambda: log_has(standby_log, f"SocialTenant {ns}/{second}:"),
            timeout=120,
        )
        obj = cluster.get(GROUP_VERSION, "SocialTenant", second, ns) or {}
        assert (obj.get("status") or {}).get("phase"), obj
    finally:
        for name in (first, second):  # released by the operator still running
            cluster.delete(GROUP_VERSION, "SocialTenant", name, ns)
        cluster.wait_for(
            "tenants gone", lambda: not cluster.list(GROUP_VERSION, "SocialTenant", ns) or None, timeout=90
        )
        stop(leader)
        stop(standby)


def test_the_deployment_runs_two_probed_replicas_that_elect_a_leader(cluster: Cluster) -> None:
    docs = list(yaml.safe_load_all((ROOT / "operator" / "deploy" / "operator.yaml").read_text()))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["rookery", "operator"]
    assert "--peering=rookery-operator" in container["args"]
    assert not any(a.startswith(("--standalone", "--priority")) for a in container["args"])  # random priorities
    assert {"name": "POD_ID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}} in container["env"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert any(a == "--liveness=http://0.0.0.0:8081/healthz" for a in container["args"])
    assert next(d for d in docs if d["kind"] == "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    # the API server accepts every object as written (server-side dry run)
    for doc in docs:
        cluster.dyn.server_side_apply(
            cluster.res(doc["apiVersion"], doc["kind"]),
            body=doc,
            name=doc["metadata"]["name"],
            namespace=doc["metadata"]["namespace"],
            field_manager="tests",
            dry_run="All",
        )
