"""Rookery's alerting rules in a real Prometheus (e2e/alerting.py) scraping a real `rookery serve`
while a real store goes away: a private PostgreSQL is stopped under a load of posts and readiness
probes, and the alerts for it go pending (store unavailable, store requests failing, API 5xx
ratio); once it is back, the store alert clears. A process killed and started again twice makes
the restart alert pending. A Kafka broker killed under posts makes the outbox alert pending.
(The rules' every case: promtool's unit tests in tests/delivery/test_delivery_alerts.py.)"""

from __future__ import annotations

import functools
import pathlib
import shutil
import tempfile
import threading
import uuid
from collections import Counter

import httpx
import pytest

from e2e.alerting import private_prometheus
from e2e.production_support import (
    Client,
    PrivateKafka,
    Proc,
    private_postgres_running,
    production_env,
    rookery,
    running,
)
from e2e.waiting import eventually

pytestmark = pytest.mark.needs("redis", "kafka", "prometheus")  # prometheus: Debian's package, its binary

wait_for = functools.partial(eventually, timeout_s=60.0, interval_s=0.5)
STORE_ALERTS = ("RookeryStoreUnavailable", "RookeryStoreRequestsFailing")


class Probes:
    """Posts and /readyz every 0.3 s (the kubelet probes readiness), answers counted by status (0:
    no answer)."""

    def __init__(self, client: Client, user: dict[str, str]) -> None:
        self.client, self.user = client, user
        self.answers: Counter[int] = Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="alert-probes", daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            for method, path, body in (("POST", "/api/v1/statuses", {"status": "probe"}), ("GET", "/readyz", None)):
                try:
                    answer = self.client.http.request(method, path, headers=self.user["headers"], json=body)
                except httpx.TransportError:  # a kept-alive connection the server closed: counted as 0
                    self.answers[0] += 1
                    continue
                self.answers[answer.status_code] += 1
            self.stop.wait(0.3)

    def __enter__(self) -> Probes:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


def test_a_postgres_outage_makes_its_alerts_pending_and_the_store_alert_clears(
    stack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    namespace = f"alerts-{uuid.uuid4().hex[:8]}"
    with private_postgres_running() as postgres:
        env = production_env(
            {**stack_env, "ROOKERY_POSTGRES_DSN": postgres.dsn},
            tmp_path / "data",
            ROOKERY_POSTGRES_STATEMENT_TIMEOUT_MS="1000",
            ROOKERY_POSTGRES_ACQUIRE_TIMEOUT_S="2",
        )
        assert rookery(env, "migrate").returncode == 0
        with (
            running(Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")) as (server,),
            private_prometheus([f"127.0.0.1:{server.port}"], namespace=namespace) as prometheus,
        ):
            groups = {group["name"] for group in prometheus.rule_groups()}
            assert {"rookery-api", "rookery-events", "rookery-stores", "rookery-processes"} <= groups
            client = Client(server.url)
            alice = client.register("alice")
            with Probes(client, alice) as probes:
                wait_for(
                    lambda: httpx.get(f"{prometheus.url}/api/v1/query", params={"query": "rookery_store_up"})
                    .json()["data"]["result"],
                    "the first scrape with readiness",
                )  # fmt: skip
                assert prometheus.alerts() == [], "alerts before any fault"

                postgres.stop()
                try:
                    for alert in STORE_ALERTS:
                        state = wait_for(
                            lambda alert=alert: prometheus.active(alert, store="postgres", namespace=namespace),
                            f"{alert} for postgres",
                        )
                        assert state in ("pending", "firing")
                    wait_for(
                        lambda: prometheus.active("RookeryApiErrorRatioHigh", namespace=namespace),
                        "the API's 5xx ratio alert",
                    )
                    assert probes.answers[503] > 0 and probes.answers[500] == 0, probes.answers
                finally:
                    postgres.start()
                wait_for(
                    lambda: prometheus.active("RookeryStoreUnavailable", store="postgres") is None,
                    "the store alert clearing once PostgreSQL is back",
                )
                # what stays: alerts over 5-minute rates (the outage's 503s, and its 2 s waits for a
                # connection in the latency p99); nothing about events, restarts or other stores
                outage_rates = {"RookeryStoreRequestsFailing", "RookeryApiErrorRatioHigh", "RookeryApiLatencyP99High"}
                assert {alert["labels"]["alertname"] for alert in prometheus.alerts()} <= outage_rates
            client.close()


@pytest.mark.needs("postgres")
def test_a_process_restarting_twice_makes_the_restart_alert_pending(
    stack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    """SIGKILL and start again on the same address, as a container restarts in its pod."""
    env = production_env(stack_env, tmp_path / "data")
    assert rookery(env, "migrate").returncode == 0
    server = Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")
    with running(server), private_prometheus([f"127.0.0.1:{server.port}"]) as prometheus:

        def scraped_start() -> float | None:
            query = f'process_start_time_seconds{{instance="127.0.0.1:{server.port}"}}'
            result = httpx.get(f"{prometheus.url}/api/v1/query", params={"query": query}).json()["data"]["result"]
            return float(result[0]["value"][1]) if result else None

        seen = {wait_for(scraped_start, "the first scrape")}
        for restart in (1, 2):
            assert prometheus.active("RookeryProcessRestarting") is None
            server.kill()
            server.start()
            seen.add(
                wait_for(lambda: (s := scraped_start()) not in seen and s, f"the start time after restart {restart}")
            )
        wait_for(lambda: prometheus.active("RookeryProcessRestarting", job="rookery"), "the restart alert")


@pytest.mark.needs("postgres")
def test_a_kafka_outage_makes_the_outbox_alert_pending_and_nothing_is_lost(
    stack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    """A private broker is killed while posts keep committing: their outbox rows wait, the relay's
    oldest-event age passes a minute and RookeryOutboxBacklogOld goes pending; the broker comes
    back, the relay drains the backlog and the age falls back to 0."""
    broker = PrivateKafka(pathlib.Path(tempfile.mkdtemp(prefix="rookery-private-kafka-")))
    try:
        broker.init()
        broker.start()
        env = production_env({**stack_env, "ROOKERY_KAFKA_BOOTSTRAP": broker.bootstrap}, tmp_path / "data")
        assert rookery(env, "migrate").returncode == 0
        server = Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")
        with running(server), private_prometheus([f"127.0.0.1:{server.port}"]) as prometheus:
            client = Client(server.url)
            alice = client.register("alice")

            def post(text: str) -> None:
                answer = client.http.post("/api/v1/statuses", headers=alice["headers"], json={"status": text})
                assert answer.status_code == 200, answer.text  # the broker is not on the write path

            post("before")
            broker.kill()
            post("during")  # committed with its outbox row; the relay cannot publish it
            state = wait_for(lambda: prometheus.active("RookeryOutboxBacklogOld"), "the outbox alert", timeout_s=150)
            assert state == "pending"  # past a minute; firing would take two more
            broker.start()
            wait_for(lambda: prometheus.active("RookeryOutboxBacklogOld") is None, "the backlog drained", timeout_s=90)
            me = client.http.get("/api/v1/accounts/verify_credentials", headers=alice["headers"])
            assert me.json()["statuses_count"] == 2
            client.close()
    finally:
        broker.stop()
        shutil.rmtree(broker.root, ignore_errors=True)
