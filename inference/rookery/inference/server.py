"""The model server: Rookery's models registered with ``kserve.ModelServer`` (V1 and V2 REST).

Endpoints (KServe's): ``GET /v2/health/live``, ``GET /v2/health/ready``, ``GET /v1/models``,
``GET /v1/models/NAME`` (ready), ``POST /v1/models/NAME:predict``, ``GET /v2/models/NAME/ready``,
``POST /v2/models/NAME/infer``, ``GET /metrics``.
"""

from __future__ import annotations

import logging
import pathlib
import struct
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from rookery.inference import MODEL_NAMES
from rookery.inference._kserve import kserve
from rookery.inference.serving import InstanceModel

log = logging.getLogger(__name__)


def build_model(name: str, storage: pathlib.Path | None) -> InstanceModel:
    """An unloaded model by its served name."""
    model: InstanceModel
    if name == "moderation":
        from rookery.inference.moderation import ModerationModel

        model = ModerationModel(storage=storage)
    elif name == "embeddings":
        from rookery.inference.embeddings import EmbeddingsModel

        model = EmbeddingsModel(storage=storage)
    elif name == "ranking":
        from rookery.inference.ranking import RankingModel

        model = RankingModel(storage=storage)
    elif name == "anomaly":
        from rookery.inference.anomaly import AnomalyModel

        model = AnomalyModel(storage=storage)
    else:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    return model


def load_models(names: list[str], storage: pathlib.Path | None) -> list[InstanceModel]:
    models = []
    for name in names:
        model = build_model(name, storage)
        model.load()
        log.info("model %s loaded", name)
        models.append(model)
    return models


def describe_request_errors(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "malformed request: " + "; ".join(parts)


async def request_validation_handler(_: Request, exc: Exception) -> JSONResponse:
    # FastAPI's default answer is {"detail": [...]}; Rookery answers {"error": "..."} everywhere
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"error": describe_request_errors(exc)})


class BinaryHeaderCheck:
    """KServe turns a non-numeric ``inference-header-content-length`` into a 500; answer 400 first."""

    HEADER = b"inference-header-content-length"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == self.HEADER and not value.strip().isdigit():
                    message = "inference-header-content-length must be the byte length of the JSON part"
                    await JSONResponse({"error": message}, status_code=400)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def binary_tensor_handler(_: Request, exc: Exception) -> JSONResponse:
    # KServe unpacks V2 binary tensors before the model sees them; a short buffer raises struct.error
    return JSONResponse(status_code=400, content={"error": f"binary tensor data cannot be decoded: {exc}"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(struct.error, binary_tensor_handler)
    app.add_middleware(BinaryHeaderCheck)


def serve(models: list[Any], port: int, grpc_port: int | None = None, workers: int = 1) -> None:
    """Run the model server until SIGINT/SIGTERM (blocks)."""
    from kserve.model_server import app

    install_error_handlers(app)
    server = kserve.ModelServer(
        http_port=port,
        grpc_port=grpc_port or 0,
        enable_grpc=grpc_port is not None,
        workers=workers,
        enable_latency_logging=False,
    )
    server.start(models)
