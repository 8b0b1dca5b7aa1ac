"""Inference: the model server client (KServe's predict API; in-process embedded).
"""

from __future__ import annotations

from typing import Any, Protocol


class ModelClient(Protocol):
    async def predict(self, model: str, instances: list[dict[str, Any]]) -> list[dict[str, Any]]: ...
