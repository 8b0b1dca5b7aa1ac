"""The ModelClient adapters: circuit breaker, HTTP against a real model server stopped and restarted,
and the in-process client."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import pathlib
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from live_support import REPO, ModelServerProcess
from prometheus_client import REGISTRY

from rookery.inference.anomaly import BEHAVIOUR_FEATURES
from rookery.workloads.adapters.inference import (
    CircuitBreaker,
    CircuitState,
    HttpModelClient,
    InferenceClientSettings,
    InProcessModelClient,
)
from rookery.workloads.domain.unavailable import ModelUnavailable
from rookery.workloads.ports.inference import ModelClient

QUIET = [{"account_id": "1", "features": dict.fromkeys(BEHAVIOUR_FEATURES, 0.0)}]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------------------------
# circuit breaker
# --------------------------------------------------------------------------------------------


def test_breaker_opens_after_consecutive_failures_and_half_opens_after_the_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    breaker.record_success()  # a success resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is CircuitState.OPEN and not breaker.allow()
    assert breaker.retry_in() == pytest.approx(10)
    clock.now += 10
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.allow()  # one trial
    assert not breaker.allow()  # and only one
    breaker.record_failure()  # the trial failed: open again for a full cool-down
    assert breaker.state is CircuitState.OPEN
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED and breaker.allow()


# --------------------------------------------------------------------------------------------
# HTTP against a real model server
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def anomaly_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelServerProcess]:
    log = tmp_path_factory.mktemp("logs") / "anomaly-server.log"
    server = ModelServerProcess("anomaly", log=log)
    server.start()
    yield server
    server.stop()


def test_settings_pick_per_model_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOKERY_INFERENCE_URL", "http://models.local:8080/")
    monkeypatch.setenv("ROOKERY_MODEL_ENDPOINT_EMBEDDINGS", "http://gpu-models.local")
    monkeypatch.setenv("ROOKERY_INFERENCE_TIMEOUT_S", "0.5")
    settings = InferenceClientSettings()
    assert settings.endpoints() == {
        "moderation": "http://models.local:8080",
        "embeddings": "http://gpu-models.local",
        "ranking": "http://models.local:8080",
        "anomaly": "http://models.local:8080",
    }
    assert HttpModelClient.from_settings(settings).timeout_s == 0.5


async def test_http_client_falls_back_while_the_server_is_down_and_recovers(
    anomaly_server: ModelServerProcess,
) -> None:
    client: ModelClient = HttpModelClient(
        {"anomaly": anomaly_server.url}, timeout_s=5.0, failure_threshold=2, cooldown_s=1.0
    )
    assert isinstance(client, HttpModelClient)
    try:
        (prediction,) = await client.predict("anomaly", QUIET)
        assert prediction["action"] == "allow"

        anomaly_server.stop()
        for _ in range(2):
            with pytest.raises(ModelUnavailable, match="ConnectError"):
                await client.predict("anomaly", QUIET)
        assert client.breaker("anomaly").state is CircuitState.OPEN
        started = time.monotonic()
        with pytest.raises(ModelUnavailable, match="circuit open"):
            await client.predict("anomaly", QUIET)
        assert time.monotonic() - started < 0.05  # refused without touching the network

        await asyncio.sleep(1.1)  # half-open: the trial call fails, the circuit opens again
        with pytest.raises(ModelUnavailable, match="ConnectError"):
            await client.predict("anomaly", QUIET)
        assert client.breaker("anomaly").state is CircuitState.OPEN

        await asyncio.to_thread(anomaly_server.start)
        await asyncio.sleep(1.1)
        (prediction,) = await client.predict("anomaly", QUIET)
        assert prediction["action"] == "allow"
        assert client.breaker("anomaly").state is CircuitState.CLOSED
    finally:
        await client.aclose()


async def test_http_client_times_out_on_a_hung_server(anomaly_server: ModelServerProcess) -> None:
    client = HttpModelClient(
        {"anomaly": anomaly_server.url}, timeout_s=0.5, failure_threshold=1, cooldown_s=0.5
    )
    try:
        await client.predict("anomaly", QUIET)
        anomaly_server.pause()  # the process holds its socket but answers nothing
        started = time.monotonic()
        with pytest.raises(ModelUnavailable, match=r"no answer within 0\.5s"):
            await client.predict("anomaly", QUIET)
        assert time.monotonic() - started < 2.0
        with pytest.raises(ModelUnavailable, match="circuit open"):
            await client.predict("anomaly", QUIET)
    finally:
        anomaly_server.resume()
    try:
        await asyncio.sleep(0.6)
        (prediction,) = await client.predict("anomaly", QUIET)
        assert prediction["account_id"] == "1"
    finally:
        await client.aclose()


async def test_http_client_refused_instances_do_not_trip_the_breaker(
    anomaly_server: ModelServerProcess,
) -> None:
    client = HttpModelClient({"anomaly": anomaly_server.url}, failure_threshold=1)
    try:
        with pytest.raises(ModelUnavailable, match="refused the instances \\(400\\)"):
            await client.predict("anomaly", [{"account_id": "1"}])
        assert client.breaker("anomaly").state is CircuitState.CLOSED
        with pytest.raises(ModelUnavailable, match="no endpoint"):
            await client.predict("moderation", [{"text": "hi"}])
    finally:
        await client.aclose()


# --------------------------------------------------------------------------------------------
# in-process
# --------------------------------------------------------------------------------------------


async def test_inprocess_client_loads_lazily_and_predicts(tmp_path: pathlib.Path) -> None:
    client: ModelClient = InProcessModelClient(storage_uri=str(tmp_path), models=["anomaly"], load_wait_s=0.0)
    assert isinstance(client, InProcessModelClient)
    with pytest.raises(ModelUnavailable, match="still loading"):
        await client.predict("anomaly", QUIET)
    await client.warm_up()
    (prediction,) = await client.predict("anomaly", QUIET)
    assert prediction["action"] == "allow" and prediction["model"] == "baseline"
    with pytest.raises(ModelUnavailable, match="refused"):
        await client.predict("anomaly", [{"account_id": "1", "features": {}}])
    assert client.breaker("anomaly").state is CircuitState.CLOSED
    with pytest.raises(ModelUnavailable, match="not served"):
        await client.predict("ranking", [])


async def test_a_preloaded_model_serves_the_first_call(tmp_path: pathlib.Path) -> None:
    """ROOKERY_MODELS_WARM_UP: preload returns at once and the load runs behind; a first call that
    would have found it still loading (no wait at all) is served once it has loaded."""
    client = InProcessModelClient(storage_uri=str(tmp_path), models=["anomaly"], load_wait_s=0.0)
    started = time.monotonic()
    await client.preload(["anomaly", "ranking"])  # a model it does not serve is passed over
    assert time.monotonic() - started < 0.5
    loading = client._loading["anomaly"]
    await asyncio.wait_for(asyncio.shield(loading), 120)
    (prediction,) = await client.predict("anomaly", QUIET)
    assert prediction["action"] == "allow"
    assert "ranking" not in client._loading


async def test_a_loaded_model_is_out_of_the_cyclic_gcs_reach(tmp_path: pathlib.Path) -> None:
    """Its objects live as long as the process: frozen, so no full collection walks them (the
    moderation and anomaly models are ~180,000 tracked objects, ~110 ms per full collection)."""
    client = InProcessModelClient(storage_uri=str(tmp_path), models=["anomaly"], load_wait_s=60.0)
    await client.warm_up()
    model = client._loaded["anomaly"]
    tracked = {id(o) for o in gc.get_objects()}  # the permanent generation is not listed
    assert id(model) not in tracked and id(model.trained) not in tracked
    assert gc.get_freeze_count() > 0


async def test_a_preload_that_fails_is_told_to_the_first_caller(tmp_path: pathlib.Path) -> None:
    client = InProcessModelClient(storage_uri=str(tmp_path), models=["anomaly"], load_wait_s=0.0)
    (tmp_path / "anomaly").mkdir()
    (tmp_path / "anomaly" / "model.joblib").write_bytes(b"not a model")
    await client.preload(["anomaly"])
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.shield(client._loading["anomaly"]), 120)
    with pytest.raises(ModelUnavailable, match="failed to load"):
        await client.predict("anomaly", QUIET)


async def test_inprocess_moderation_matches_the_served_model() -> None:
    client = InProcessModelClient(models=["moderation"], load_wait_s=60.0)
    benign, abusive = await client.predict(
        "moderation", [{"text": "Nice photo!"}, {"text": "fuck you moron"}]
    )
    assert (benign["action"], abusive["action"]) == ("allow", "hide")


async def test_inprocess_predictions_are_timed_per_model() -> None:
    """`rookery up` serves models in-process: their latency is on the workloads' own /metrics."""

    def count() -> float:
        return REGISTRY.get_sample_value("rookery_inference_duration_seconds_count", {"model": "moderation"}) or 0.0

    client = InProcessModelClient(models=["moderation"], load_wait_s=60.0)
    before = count()
    await client.predict("moderation", [{"text": "Nice photo!"}, {"text": "see you soon"}])
    assert count() - before == 1  # one batch


def test_inprocess_client_without_the_ml_extra_raises_model_unavailable() -> None:
    # a fresh interpreter where kserve cannot be imported, as when the ml extra is not installed
    script = (
        "import asyncio, sys\n"
        "sys.modules['kserve'] = None\n"
        "from rookery.workloads.adapters.inference import InProcessModelClient\n"
        "from rookery.workloads.domain.unavailable import ModelUnavailable\n"
        "async def main():\n"
        "    client = InProcessModelClient(models=['moderation'], load_wait_s=30)\n"
        "    try:\n"
        "        await client.predict('moderation', [{'text': 'hi'}])\n"
        "    except ModelUnavailable as exc:\n"
        "        print('unavailable:', exc)\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    assert "unavailable: model 'moderation' needs the ml extra (missing 'kserve')" in result.stdout
