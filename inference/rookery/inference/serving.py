"""The part every Rookery model shares: KServe V1/V2 request decoding, validation, and replies.

V1 (``POST /v1/models/NAME:predict``) carries ``{"instances": [ {...}, ... ]}`` and gets
``{"predictions": [ {...}, ... ]}``. V2 (``POST /v2/models/NAME/infer``) carries either one BYTES
input named ``instances`` whose elements are JSON-encoded instances (any model; the reply is a BYTES
output ``predictions`` of JSON documents) or the model's own named tensors (see each model's
``tensor_instances``). Anything malformed raises ``kserve.errors.InvalidInput``, which the model
server answers with 400 ``{"error": ...}``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, ClassVar

import numpy as np
import orjson
from prometheus_client import Histogram
from pydantic import TypeAdapter, ValidationError

from rookery.inference._kserve import InferOutput, InferRequest, InferResponse, InvalidInput, Model

MAX_INSTANCES = 512
# one batch's prediction, whoever asked (V1, V2, or the workloads' in-process client)
INFERENCE_SECONDS = Histogram(
    "rookery_inference_duration_seconds",
    "Time a model takes to predict one batch of instances, by model.",
    ["model"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def describe_validation_error(exc: ValidationError, prefix: str) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{prefix}{'.' + loc if loc else ''}: {err['msg']}")
    return "; ".join(parts)


def string_tensor(request: InferRequest, name: str) -> list[str]:
    """The elements of a BYTES input as strings, flattened."""
    tensor = request.get_input_by_name(name)
    if tensor is None:
        raise InvalidInput(f"input tensor {name!r} is missing")
    if tensor.datatype != "BYTES":
        raise InvalidInput(f"input tensor {name!r} must have datatype BYTES, not {tensor.datatype}")
    try:
        values = tensor.as_numpy().reshape(-1)
    except Exception as exc:  # decoding the client's bytes: any failure is bad input
        raise InvalidInput(
            f"input tensor {name!r} cannot be decoded with shape {tensor.shape}: {exc}"
        ) from None
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]


def numeric_tensor(request: InferRequest, name: str, columns: int) -> np.ndarray:
    """A numeric input as a float64 matrix of ``columns`` columns."""
    tensor = request.get_input_by_name(name)
    if tensor is None:
        raise InvalidInput(f"input tensor {name!r} is missing")
    if tensor.datatype not in {"FP32", "FP64", "INT32", "INT64"}:
        raise InvalidInput(f"input tensor {name!r} must be FP32, FP64, INT32 or INT64, not {tensor.datatype}")
    try:
        matrix = tensor.as_numpy().astype(np.float64)
    except Exception as exc:  # decoding the client's bytes: any failure is bad input
        raise InvalidInput(
            f"input tensor {name!r} cannot be decoded with shape {tensor.shape}: {exc}"
        ) from None
    if matrix.ndim != 2 or matrix.shape[1] != columns:
        raise InvalidInput(f"input tensor {name!r} must have shape [N, {columns}], got {list(matrix.shape)}")
    if not np.isfinite(matrix).all():
        raise InvalidInput(f"input tensor {name!r} holds NaN or infinite values")
    return matrix


class InstanceModel(Model):
    """A kserve.Model whose work is a batch of validated instances -> a list of JSON predictions."""

    # a pydantic model (or annotated union) describing one instance
    Instance: ClassVar[Any]

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.ready = False
        self._instance_adapter: TypeAdapter[Any] = TypeAdapter(self.Instance)

    # -- to implement -------------------------------------------------------------------------
    def load(self) -> bool:
        self.ready = True
        return self.ready

    def predict_batch(self, instances: list[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def tensor_instances(self, request: InferRequest) -> list[Any]:
        """V2 named tensors -> instances; models with natural tensors override this."""
        raise InvalidInput(f"model {self.name!r} takes a BYTES input tensor 'instances' of JSON documents")

    def tensor_outputs(self, instances: list[Any], predictions: list[dict[str, Any]]) -> list[InferOutput]:
        return json_outputs(predictions)

    # -- shared -------------------------------------------------------------------------------
    def validate_instances(self, raw: Any) -> list[Any]:
        if not isinstance(raw, list):
            raise InvalidInput('"instances" must be a list')
        if not raw:
            raise InvalidInput('"instances" must hold at least one instance')
        if len(raw) > MAX_INSTANCES:
            raise InvalidInput(f'"instances" holds {len(raw)} items; at most {MAX_INSTANCES} per request')
        validated = []
        for index, item in enumerate(raw):
            try:
                validated.append(self._instance_adapter.validate_python(item))
            except ValidationError as exc:
                raise InvalidInput(describe_validation_error(exc, f"instances[{index}]")) from None
        return validated

    async def infer_instances(self, raw: Any) -> list[dict[str, Any]]:
        """Validate and predict (off the event loop): the in-process ModelClient calls this."""
        instances = self.validate_instances(raw)
        return await self.timed_predictions(instances)

    async def timed_predictions(self, instances: list[Any]) -> list[dict[str, Any]]:
        """``predict_batch`` off the event loop, its time in ``rookery_inference_duration_seconds``."""
        started = time.perf_counter()
        try:
            return await asyncio.to_thread(self.predict_batch, instances)
        finally:
            INFERENCE_SECONDS.labels(self.name).observe(time.perf_counter() - started)

    async def predict(
        self, payload: Any, headers: dict[str, str] | None = None, response_headers: Any = None
    ) -> dict[str, Any] | InferResponse:
        if isinstance(payload, InferRequest):
            return await self._predict_v2(payload)
        if not isinstance(payload, dict):
            raise InvalidInput('the request body must be a JSON object {"instances": [...]}')
        if "instances" not in payload:
            raise InvalidInput('the request body must hold "instances": a list of objects')
        return {"predictions": await self.infer_instances(payload["instances"])}

    async def _predict_v2(self, request: InferRequest) -> InferResponse:
        if not request.inputs:
            raise InvalidInput("the request holds no input tensors")
        if request.get_input_by_name("instances") is not None:
            raw: list[Any] = []
            for index, text in enumerate(string_tensor(request, "instances")):
                try:
                    raw.append(orjson.loads(text))
                except orjson.JSONDecodeError as exc:
                    raise InvalidInput(f"instances[{index}] is not a JSON document: {exc}") from None
            predictions = await self.infer_instances(raw)
            outputs = json_outputs(predictions)
        else:
            instances = self.tensor_instances(request)
            if len(instances) > MAX_INSTANCES:
                raise InvalidInput(f"the request holds {len(instances)} instances; at most {MAX_INSTANCES}")
            if not instances:
                raise InvalidInput("the request holds no instances")
            predictions = await self.timed_predictions(instances)
            outputs = self.tensor_outputs(instances, predictions)
        return InferResponse(
            response_id=request.id or str(uuid.uuid4()),
            model_name=self.name,
            infer_outputs=outputs,
        )


def json_outputs(predictions: list[dict[str, Any]]) -> list[InferOutput]:
    documents = [orjson.dumps(p, option=orjson.OPT_SERIALIZE_NUMPY).decode() for p in predictions]
    return [InferOutput(name="predictions", shape=[len(documents)], datatype="BYTES", data=documents)]
