"""V1 and V2 inference protocols over HTTP against `rookery inference` in a subprocess."""

from __future__ import annotations

import datetime as dt

import httpx
import numpy as np
import orjson
import pytest
from inference_support import NOW, iso, spam_account_events
from live_support import ModelServerProcess
from prometheus_client.parser import text_string_to_metric_families

MODELS = ["moderation", "embeddings", "ranking", "anomaly"]


@pytest.fixture(scope="module")
def http(model_server: ModelServerProcess):
    with httpx.Client(base_url=model_server.url, timeout=60.0) as client:
        yield client


def v2_bytes(name: str, values: list[str]) -> dict:
    return {"name": name, "shape": [len(values)], "datatype": "BYTES", "data": values}


def test_liveness_readiness_and_model_listing(http: httpx.Client) -> None:
    assert http.get("/v2/health/live").json()["live"] is True
    assert http.get("/v2/health/ready").json()["ready"] is True
    assert sorted(http.get("/v1/models").json()["models"]) == sorted(MODELS)
    for name in MODELS:
        assert http.get(f"/v1/models/{name}").json() == {"name": name, "ready": True}
        assert http.get(f"/v2/models/{name}/ready").json()["ready"] is True
    assert http.get("/v1/models/sentiment").status_code == 404


def test_v1_moderation(http: httpx.Client) -> None:
    response = http.post(
        "/v1/models/moderation:predict",
        json={
            "instances": [
                {"text": "Lovely walk by the lake today", "id": 1},
                {"text": "shut up you stupid bitch"},
            ]
        },
    )
    assert response.status_code == 200
    allowed, hidden = response.json()["predictions"]
    assert (allowed["action"], allowed["id"]) == ("allow", 1)
    assert hidden["action"] == "hide" and "toxic" in hidden["labels"]


def test_v2_moderation_with_named_tensors(http: httpx.Client) -> None:
    body = {"inputs": [v2_bytes("text", ["good morning everyone", "fuck off, idiot"])]}
    response = http.post("/v2/models/moderation/infer", json=body)
    assert response.status_code == 200
    outputs = {o["name"]: o for o in response.json()["outputs"]}
    assert outputs["action"]["data"] == ["allow", "hide"]
    assert outputs["toxic"]["datatype"] == "FP32" and outputs["toxic"]["data"][1] > 0.9


def test_v1_and_v2_embeddings_agree(http: httpx.Client) -> None:
    text = "The ferry to the island leaves every hour."
    v1 = http.post("/v1/models/embeddings:predict", json={"instances": [{"text": text}]}).json()
    v2 = http.post(
        "/v2/models/embeddings/infer", json={"inputs": [v2_bytes("text", [text, "an unrelated post"])]}
    )
    assert v2.status_code == 200
    (output,) = v2.json()["outputs"]
    assert output["name"] == "embedding" and output["shape"] == [2, 384]
    matrix = np.asarray(output["data"], dtype=np.float32).reshape(2, 384)
    assert np.allclose(matrix[0], v1["predictions"][0]["embedding"], atol=1e-5)


def test_v1_ranking_uses_the_trained_model(http: httpx.Client) -> None:
    candidates = [
        {"status_id": s, "author_id": a, "created_at": iso(NOW - dt.timedelta(hours=3))}
        for s, a in (("1", "yann"), ("2", "xavier"))
    ]
    response = http.post(
        "/v1/models/ranking:predict",
        json={"instances": [{"account_id": "alice", "now": iso(NOW), "candidates": candidates}]},
    )
    (ranking,) = response.json()["predictions"]
    assert ranking["ranker"] == "model"
    assert [c["status_id"] for c in ranking["ranked"]] == ["2", "1"]


def test_v2_json_instances_for_anomaly(http: httpx.Client) -> None:
    events = [{k: v for k, v in e.items() if k != "account_id"} for e in spam_account_events("bot")]
    document = orjson.dumps({"account_id": "bot", "events": events}).decode()
    response = http.post(
        "/v2/models/anomaly/infer", json={"id": "req-1", "inputs": [v2_bytes("instances", [document])]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "req-1" and body["model_name"] == "anomaly"
    (output,) = body["outputs"]
    assert output["name"] == "predictions"
    prediction = orjson.loads(output["data"][0])
    assert (prediction["account_id"], prediction["action"]) == ("bot", "flag")


@pytest.mark.parametrize(
    ("path", "content", "headers", "fragment"),
    [
        ("/v1/models/moderation:predict", b"{not json", {"content-type": "application/json"}, "Unrecognized"),
        ("/v1/models/moderation:predict", b"[1, 2]", {"content-type": "application/json"}, "JSON object"),
        ("/v1/models/moderation:predict", b"{}", {"content-type": "application/json"}, "instances"),
        ("/v1/models/moderation:predict", b'{"instances": {}}', {"content-type": "application/json"}, "list"),
        (
            "/v1/models/moderation:predict",
            b'{"instances": []}',
            {"content-type": "application/json"},
            "at least one",
        ),
        ("/v1/models/moderation:predict", b'{"instances": [{"txt": "hi"}]}', {}, "instances[0].text"),
        ("/v1/models/moderation:predict", b'{"instances": [{"text": 5}]}', {}, "instances[0].text"),
        ("/v1/models/moderation:predict", b"text=hello", {"content-type": "text/plain"}, "JSON object"),
        ("/v1/models/embeddings:predict", b'{"instances": [{"account_id": 1, "items": []}]}', {}, "items"),
        (
            "/v1/models/ranking:predict",
            b'{"instances": [{"account_id": 1, "candidates": [{}]}]}',
            {},
            "status_id",
        ),
        ("/v1/models/anomaly:predict", b'{"instances": [{"account_id": 1}]}', {}, "features"),
        (
            "/v1/models/anomaly:predict",
            b'{"instances": [{"account_id": 1, "events": [{"type": "status", "created_at": "yesterday"}]}]}',
            {},
            "events[0]",
        ),
        ("/v2/models/moderation/infer", b'{"input": 3}', {"content-type": "application/json"}, "inputs"),
        ("/v2/models/moderation/infer", b'{"inputs": []}', {}, "no input tensors"),
        (
            "/v2/models/moderation/infer",
            b'{"inputs": [{"name": "text", "shape": [3], "datatype": "BYTES", "data": ["a", "b"]}]}',
            {},
            "shape",
        ),
        (
            "/v2/models/moderation/infer",
            b'{"inputs": [{"name": "text", "shape": [1], "datatype": "FP32", "data": [1.0]}]}',
            {},
            "BYTES",
        ),
        (
            "/v2/models/ranking/infer",
            b'{"inputs": [{"name": "features", "shape": [1], "datatype": "FP32", "data": [1.0]}]}',
            {},
            "instances",
        ),
        (
            "/v2/models/anomaly/infer",
            b'{"inputs": [{"name": "instances", "shape": [1], "datatype": "BYTES", "data": ["{oops"]}]}',
            {},
            "JSON",
        ),
    ],
)
def test_malformed_payloads_get_a_clear_4xx(
    http: httpx.Client, path: str, content: bytes, headers: dict, fragment: str
) -> None:
    response = http.post(path, content=content, headers=headers or {"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert fragment in response.json()["error"]


def test_too_many_instances_are_refused(http: httpx.Client) -> None:
    response = http.post("/v1/models/moderation:predict", json={"instances": [{"text": "hi"}] * 600})
    assert response.status_code == 400
    assert "at most" in response.json()["error"]


def test_metrics_are_exposed(http: httpx.Client) -> None:
    http.post("/v1/models/moderation:predict", json={"instances": [{"text": "hello"}]})
    metrics = http.get("/metrics")
    assert metrics.status_code == 200
    assert "request_predict_seconds" in metrics.text


def predictions_counted(http: httpx.Client, model: str) -> float:
    for family in text_string_to_metric_families(http.get("/metrics").text):
        if family.name == "rookery_inference_duration_seconds":
            for sample in family.samples:
                if sample.name.endswith("_count") and sample.labels == {"model": model}:
                    return sample.value
    return 0.0


def test_inference_latency_is_reported_per_model_for_v1_and_v2(http: httpx.Client) -> None:
    before = {model: predictions_counted(http, model) for model in ("moderation", "embeddings")}
    assert http.post("/v1/models/moderation:predict", json={"instances": [{"text": "hi"}]}).status_code == 200
    body = {"inputs": [v2_bytes("text", ["good morning everyone"])]}
    assert http.post("/v2/models/moderation/infer", json=body).status_code == 200
    assert http.post("/v1/models/embeddings:predict", json={"instances": [{"text": "hi"}]}).status_code == 200
    after = {model: predictions_counted(http, model) for model in ("moderation", "embeddings")}
    assert {m: after[m] - before[m] for m in after} == {"moderation": 2, "embeddings": 1}
    refused = predictions_counted(http, "moderation")
    assert http.post("/v1/models/moderation:predict", json={"instances": []}).status_code == 400
    assert predictions_counted(http, "moderation") == refused  # refused input never reached the model


def binary_text_request(texts: list[str], length_prefix_delta: int = 0) -> tuple[bytes, dict[str, str]]:
    """V2 binary tensor extension: JSON header, then each string as a 4-byte little-endian length + bytes."""
    raw = b"".join((len(t.encode()) + length_prefix_delta).to_bytes(4, "little") + t.encode() for t in texts)
    header = orjson.dumps(
        {
            "inputs": [
                {
                    "name": "text",
                    "shape": [len(texts)],
                    "datatype": "BYTES",
                    "parameters": {"binary_data_size": len(raw)},
                }
            ]
        }
    )
    headers = {
        "content-type": "application/octet-stream",
        "inference-header-content-length": str(len(header)),
    }
    return header + raw, headers


def test_v2_binary_tensors(http: httpx.Client) -> None:
    body, headers = binary_text_request(["have a nice day", "you dumb fucking idiot"])
    response = http.post("/v2/models/moderation/infer", content=body, headers=headers)
    assert response.status_code == 200
    actions = next(o for o in response.json()["outputs"] if o["name"] == "action")
    assert actions["data"] == ["allow", "hide"]


def test_v2_broken_binary_tensors_get_400(http: httpx.Client) -> None:
    body, headers = binary_text_request(["abc"], length_prefix_delta=6)
    response = http.post("/v2/models/moderation/infer", content=body, headers=headers)
    assert response.status_code == 400 and "cannot be decoded" in response.json()["error"]
    headers["inference-header-content-length"] = "abc"
    response = http.post("/v2/models/moderation/infer", content=body, headers=headers)
    assert response.status_code == 400 and "inference-header-content-length" in response.json()["error"]


async def test_v2_over_grpc(model_server: ModelServerProcess) -> None:
    from kserve import InferenceGRPCClient, InferInput, InferRequest

    text = InferInput("text", [2], "BYTES")
    text.set_data_from_numpy(np.array([b"see you at the market", b"shut up, moron"], dtype=np.object_))
    client = InferenceGRPCClient(f"127.0.0.1:{model_server.grpc_port}")
    try:
        response = await client.infer(
            InferRequest(model_name="moderation", infer_inputs=[text], request_id="g1")
        )
    finally:
        await client.close()
    actions = next(o for o in response.outputs if o.name == "action").as_numpy().tolist()
    assert actions == [b"allow", b"hide"]
