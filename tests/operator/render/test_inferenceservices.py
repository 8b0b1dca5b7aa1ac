"""render/inferenceservices.py: a ModelDeployment as a KServe InferenceService, and its status."""

from __future__ import annotations

from render_support import model

from rookery.operator.render.inferenceservices import inference_service, mirror_status


def test_inference_service_for_a_runtime_model() -> None:
    isvc = inference_service(model(0))
    predictor = isvc["spec"]["predictor"]
    assert isvc["apiVersion"] == "serving.kserve.io/v1beta1"
    assert predictor["model"]["modelFormat"] == {"name": "sklearn", "version": "1"}
    assert predictor["model"]["storageUri"] == "s3://rookery-models/moderation/v3"
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (1, 4)
    assert "canaryTrafficPercent" not in predictor


def test_inference_service_for_a_custom_image_with_gpu_and_canary() -> None:
    predictor = inference_service(model(1))["spec"]["predictor"]
    (container,) = predictor["containers"]
    assert container["image"] == "ghcr.io/rookery-social/rookery:0.1.0"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert "nvidia.com/gpu" not in container["resources"]["requests"]
    assert {"name": "STORAGE_URI", "value": "s3://rookery-models/ranking/v7"} in container["env"]
    assert predictor["canaryTrafficPercent"] == 10


def test_mirror_status_reads_what_kserve_writes() -> None:
    isvc = {
        "status": {
            "url": "http://birdhouse-ranking.social.example.org",
            "address": {"url": "http://birdhouse-ranking.social.svc.cluster.local"},
            "conditions": [{"type": "Ready", "status": "True"}],
            "components": {
                "predictor": {"traffic": [{"percent": 10, "latestRevision": True}, {"percent": 90}]}
            },
        }
    }
    mirrored = mirror_status(isvc)
    assert mirrored["ready"] is True and mirrored["canaryTrafficPercent"] == 10
    assert mirrored["url"] == "http://birdhouse-ranking.social.example.org"
    assert mirror_status(None)["ready"] is False
