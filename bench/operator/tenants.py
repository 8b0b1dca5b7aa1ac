"""Operator: time from `kubectl apply` to Ready for one tenant and for N at once, and the operator's RSS.

    .venv/bin/python bench/operator/tenants.py --kubeconfig ~/.cache/rookery/stack/kube/admin.kubeconfig \
        --kafka 127.0.0.1:9092 --cassandra 127.0.0.1:9042 --tenants 50

Needs the real stack's kube, kafka and cassandra (`make stack-up SERVICES="kube kafka cassandra"`).
Starts `rookery operator --standalone` itself, creates monolith tenants (one platform pod, the
migration Job, 9 topics, a keyspace each; retentionPolicy Delete), polls their Ready condition
every 0.1 s, samples the operator's VmRSS, then deletes everything it made. Pods become Ready
through kwok, so the numbers are the operator's and the control plane's, not image pulls'.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

import yaml
from kubernetes import config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

ROOT = pathlib.Path(__file__).resolve().parents[2]
GV = "rookery.dev/v1alpha1"


def rss_mib(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tenant(name: str) -> dict[str, Any]:
    return {
        "apiVersion": GV,
        "kind": "SocialTenant",
        "metadata": {"name": name},
        "spec": {
            "image": "ghcr.io/rookery-social/rookery:0.1.0",
            "host": f"{name}.example.org",
            "kafka": {"partitions": 1, "replicationFactor": 1},
            "cassandra": {"replication": {"strategy": "SimpleStrategy", "replicationFactor": 1}},
            "workers": {
                w: {"replicas": 0}
                for w in ("outbox-relay", "notify", "index", "media", "analytics", "moderation")
            },
            "retentionPolicy": "Delete",
        },
    }


def is_true(obj: dict[str, Any], *types: str) -> bool:
    gen = obj["metadata"]["generation"]
    conds = {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}
    return all(
        conds.get(t, {}).get("status") == "True" and conds[t].get("observedGeneration") == gen for t in types
    )


def is_ready(obj: dict[str, Any]) -> bool:
    return is_true(obj, "Ready")


def is_provisioned(obj: dict[str, Any]) -> bool:
    """The operator's own work: topics, keyspace and every child applied (pods may still start)."""
    return is_true(obj, "KafkaReady", "CassandraReady") and bool((obj.get("status") or {}).get("workloads"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    parser.add_argument("--kafka", default="127.0.0.1:9092")
    parser.add_argument("--cassandra", default="127.0.0.1:9042")
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "bench" / "results" / "operator.json")
    args = parser.parse_args()

    dyn = DynamicClient(config.new_client_from_config(config_file=args.kubeconfig))
    for path in sorted((ROOT / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        res = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
        dyn.server_side_apply(
            res, body=crd, name=crd["metadata"]["name"], field_manager="bench", force_conflicts=True
        )
    dyn = DynamicClient(dyn.client)
    tenants = dyn.resources.get(api_version=GV, kind="SocialTenant")
    ns_api = dyn.resources.get(api_version="v1", kind="Namespace")
    secrets = dyn.resources.get(api_version="v1", kind="Secret")

    ns = f"bench-op-{uuid.uuid4().hex[:6]}"
    ns_api.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    data = {"kafka-bootstrap": args.kafka, "cassandra-contact-points": args.cassandra, "postgres-dsn": "postgresql://x",
            "redis-url": "redis://x", "search-url": "http://x", "oidc-issuer": "http://x"}  # fmt: skip
    secrets.create(namespace=ns, body={
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "rookery-datastores"},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    })  # fmt: skip

    log = open(pathlib.Path("/tmp") / f"{ns}-operator.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "rookery.workloads.cli", "operator", "--standalone", "--metrics-port", "0",
         "--liveness", ""],
        env={**os.environ, "KUBECONFIG": args.kubeconfig}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(3)
    rss_start = rss_mib(proc.pid)
    peak = rss_start
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tenants": args.tenants,
    }
    try:
        # one tenant on an idle operator
        start = time.monotonic()
        tenants.create(namespace=ns, body=tenant("solo"))
        while not is_ready(tenants.get(name="solo", namespace=ns).to_dict()):
            if time.monotonic() - start > args.timeout:
                raise SystemExit("solo tenant never became Ready")
            time.sleep(0.1)
        results["one_tenant_apply_to_ready_s"] = round(time.monotonic() - start, 2)
        print(f"one tenant: apply -> Ready in {results['one_tenant_apply_to_ready_s']} s", flush=True)

        # N tenants applied at once
        names = [f"t{i:03d}" for i in range(args.tenants)]
        created: dict[str, float] = {}
        ready: dict[str, float] = {}
        provisioned: dict[str, float] = {}
        start = time.monotonic()
        for name in names:
            tenants.create(namespace=ns, body=tenant(name))
            created[name] = time.monotonic()
        while len(ready) < len(names):
            if time.monotonic() - start > args.timeout:
                break
            for obj in tenants.get(namespace=ns).to_dict()["items"]:
                name = obj["metadata"]["name"]
                if name in created and name not in provisioned and is_provisioned(obj):
                    provisioned[name] = time.monotonic() - created[name]
                if name in created and name not in ready and is_ready(obj):
                    ready[name] = time.monotonic() - created[name]
            peak = max(peak, rss_mib(proc.pid))
            time.sleep(0.1)
        total = time.monotonic() - start
        latencies = sorted(ready.values())
        prov = sorted(provisioned.values())
        results.update({
            "n_provisioned": len(prov),
            "n_apply_to_provisioned_p50_s": round(statistics.median(prov), 1) if prov else None,
            "n_apply_to_provisioned_max_s": round(prov[-1], 1) if prov else None,
            "n_ready": len(ready),
            "n_all_ready_s": round(total, 1),
            "n_apply_to_ready_p50_s": round(statistics.median(latencies), 1) if latencies else None,
            "n_apply_to_ready_max_s": round(latencies[-1], 1) if latencies else None,
        })  # fmt: skip
        time.sleep(10)
        results["rss_mib"] = {
            "start": round(rss_start, 1),
            "peak_during_n": round(peak, 1),
            f"idle_with_{args.tenants + 1}_tenants": round(rss_mib(proc.pid), 1),
        }
        print(json.dumps(results, indent=2), flush=True)
    finally:
        for obj in tenants.get(namespace=ns).to_dict()["items"]:
            tenants.delete(name=obj["metadata"]["name"], namespace=ns)
        deadline = time.monotonic() + 900
        while tenants.get(namespace=ns).to_dict()["items"] and time.monotonic() < deadline:
            time.sleep(1)
        proc.terminate()
        proc.wait(timeout=30)
        with contextlib.suppress(NotFoundError):
            ns_api.delete(name=ns)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
