"""Every panel of the Grafana dashboards the operator chart ships, evaluated against the stack's real
Prometheus while it scrapes real Rookery processes under a short load: `rookery serve --role all`
on PostgreSQL, Redis, Kafka and Cassandra (moderation, ranking and anomaly checks on, models
in-process) and `rookery operator` reconciling a SocialTenant on the stack's kube-apiserver.

A query fails the test when Prometheus refuses it (it does not parse) or when it returns no
series. The processes are registered as file-discovered targets, labelled with this run's
namespace, and ``$namespace`` is that namespace: the panels see this run's processes only.
(Rules and static checks of the same files: tests/delivery/test_delivery_alerts.py.)"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from e2e import servers, waiting
from e2e.production_support import Client, Proc, cassandra_keyspace, production_env, rookery, running
from tests.delivery.monitoring_support import DASHBOARDS, dashboard, panel_queries, substitute
from tests.operator.operator_harness import (
    GROUP_VERSION,
    Cluster,
    create_datastores_namespace,
    install_crds,
    small_tenant,
)

pytestmark = pytest.mark.needs("postgres", "redis", "kafka", "cassandra", "prometheus", "kube")

QUERY_TIMEOUT_S = 120.0  # from the first scrape until every panel has data


class Prometheus:
    def __init__(self, env: dict[str, str]) -> None:
        self.url = env["ROOKERY_PROMETHEUS_URL"]
        self.targets = pathlib.Path(env["ROOKERY_PROMETHEUS_TARGETS_DIR"])

    @staticmethod
    def target_file(targets: pathlib.Path, run: str) -> pathlib.Path:
        return targets / f"dashboards-{run}.json"

    def register(self, run: str, groups: list[dict[str, Any]]) -> pathlib.Path:
        path = self.target_file(self.targets, run)
        path.write_text(json.dumps(groups))
        return path

    def query(self, expr: str) -> tuple[int, dict[str, Any]]:
        r = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=30)
        return r.status_code, r.json()


@pytest.fixture(scope="module")
def keyspace(stack_env: dict[str, str]) -> Iterator[str]:
    with cassandra_keyspace(stack_env) as name:
        yield name


@pytest.fixture(scope="module")
def cluster(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    """The CRDs on the stack's kube-apiserver, as tests/operator applies them."""
    log = tmp_path_factory.mktemp("dash-operator") / "operator.log"
    made = Cluster(stack_env["KUBECONFIG"], log)
    install_crds(made)
    return made


@pytest.fixture()
def operator(cluster: Cluster, stack_env: dict[str, str], run: str) -> Iterator[dict[str, Any]]:
    """`rookery operator` watching this run's namespace only, with /metrics on a free port."""
    namespace = f"dash-{run}"
    metrics, liveness = servers.free_port(), servers.free_port()
    with cluster.log.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rookery.workloads.cli", "operator", "--standalone", "--namespace", namespace,
             "--metrics-port", str(metrics), "--liveness", f"http://127.0.0.1:{liveness}/healthz"],
            env={**os.environ, "KUBECONFIG": stack_env["KUBECONFIG"]}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    create_datastores_namespace(cluster, stack_env, namespace)
    try:

        def alive() -> bool:
            assert proc.poll() is None, "the operator exited:\n" + cluster.log.read_text()[-4000:]
            try:
                return httpx.get(f"http://127.0.0.1:{liveness}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        cluster.wait_for("the operator's liveness endpoint", alive, timeout=60)
        yield {"namespace": namespace, "metrics": f"127.0.0.1:{metrics}"}
    finally:
        for obj in cluster.list(GROUP_VERSION, "SocialTenant", namespace):  # its finalizer needs the operator
            cluster.delete(GROUP_VERSION, "SocialTenant", obj["metadata"]["name"], namespace)
        try:
            cluster.wait_for(
                "the tenant gone", lambda: not cluster.list(GROUP_VERSION, "SocialTenant", namespace), timeout=60
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            cluster.delete("v1", "Namespace", namespace)


@pytest.fixture()
def run() -> str:
    return uuid.uuid4().hex[:8]


class Load:
    """Posts, follows, favourites, timeline and account reads, and the kubelet's readiness probes,
    in a thread until stopped: every rate has fresh samples while the panels are evaluated."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = Client(url)
        self.users = [self.client.register(f"dash{i}") for i in range(4)]
        self.client.follow_each(self.users[1:], self.users[:1])
        self.stop = threading.Event()
        self.rounds = 0
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run, name="dashboard-load", daemon=True)

    def _run(self) -> None:
        http, (author, *readers) = self.client.http, self.users
        while not self.stop.is_set():
            try:
                self.round(http, author, readers)
            except Exception as exc:  # reported by the test, not swallowed
                self.errors.append(repr(exc))
                return
            self.rounds += 1
            self.stop.wait(0.5)

    def round(self, http: httpx.Client, author: dict[str, Any], readers: list[dict[str, Any]]) -> None:
        posted = http.post("/api/v1/statuses", headers=author["headers"], json={"status": f"round {self.rounds}"})
        assert posted.status_code == 200, posted.text
        status_id = posted.json()["id"]
        for reader in readers:
            assert http.get("/api/v1/timelines/home", headers=reader["headers"]).status_code == 200
            favourite = http.post(f"/api/v1/statuses/{status_id}/favourite", headers=reader["headers"])
            assert favourite.status_code == 200, favourite.text
        assert http.get(f"/api/v1/statuses/{status_id}", headers=readers[0]["headers"]).status_code == 200
        assert http.get(f"/api/v1/accounts/{author['id']}", headers=readers[0]["headers"]).status_code == 200
        assert http.get("/api/v1/timelines/public").status_code == 200
        assert http.get("/readyz").status_code == 200  # what the kubelet's probe does every few seconds

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        self.client.close()


def test_every_dashboard_panel_returns_data_from_real_rookery_processes(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str, cluster: Cluster,
    operator: dict[str, Any], run: str,
) -> None:  # fmt: skip
    prometheus = Prometheus(stack_env)
    namespace = operator["namespace"]
    cluster.create(small_tenant(f"dash{run}"), namespace=namespace)  # the operator's reconciles, measured
    env = production_env(
        stack_env,
        tmp_path / "data",
        cassandra_keyspace=keyspace,
        ROOKERY_RANKING_ENABLED="true",
        ROOKERY_ANOMALY_EVERY_EVENTS="2",
    )
    assert rookery(env, "migrate").returncode == 0
    api = Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")
    target_file = Prometheus.target_file(prometheus.targets, run)
    started = time.monotonic()
    try:
        with running(api), Load(api.url) as load:
            target_file = prometheus.register(
                run,
                [
                    {"targets": [f"127.0.0.1:{api.port}"], "labels": {"namespace": namespace, "dashboards": run}},
                    {"targets": [operator["metrics"]], "labels": {"namespace": "rookery-system", "dashboards": run}},
                ],
            )
            waiting.eventually(
                lambda: len(prometheus.query(f'up{{dashboards="{run}"}} == 1')[1]["data"]["result"]) == 2,
                "Prometheus scraping the API process and the operator",
                timeout_s=60,
                interval_s=1,
            )
            refused, empty = evaluate_every_panel(prometheus, namespace, load)
            assert not load.errors, load.errors
            assert load.rounds > 0
    finally:
        target_file.unlink(missing_ok=True)
    took = time.monotonic() - started
    assert not refused and not empty, (
        "queries Prometheus refused:\n" + "\n".join(refused or ["(none)"])
        + f"\npanels with no data after {took:.0f} s of load:\n" + "\n".join(empty or ["(none)"])
    )  # fmt: skip


def evaluate_every_panel(prometheus: Prometheus, namespace: str, load: Load) -> tuple[list[str], list[str]]:
    """Each query until it returns series (the load keeps running) or the time is up."""
    queries = panel_queries()
    assert {name for name, _, _ in queries} == set(DASHBOARDS)
    assert all(dashboard(name)["panels"] for name in DASHBOARDS)
    pending = {(name, title, substitute(expr, namespace=namespace)) for name, title, expr in queries}
    refused: list[str] = []
    deadline = time.monotonic() + QUERY_TIMEOUT_S
    while pending and time.monotonic() < deadline and not load.errors:
        for item in sorted(pending):
            name, title, expr = item
            status, body = prometheus.query(expr)
            if status != 200 or body.get("status") != "success":
                refused.append(f"{name} / {title}: {body.get('error', status)}\n    {expr}")
                pending.discard(item)
            elif body["data"]["result"]:
                pending.discard(item)
        if pending:
            time.sleep(2)
    return refused, [f"{name} / {title}:\n    {expr}" for name, title, expr in sorted(pending)]
