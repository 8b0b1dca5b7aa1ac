"""ModelClient adapters: HTTP to KServe endpoints (production) and in-process (`rookery up`).

Both return ``list[dict]`` predictions in the instances' order and raise
``rookery.workloads.domain.unavailable.ModelUnavailable`` on timeout, error or open circuit; callers fall back
(allow the status, keep chronological order, skip the embedding).
"""

from rookery.workloads.adapters.inference.circuit import CircuitBreaker, CircuitState
from rookery.workloads.adapters.inference.http import HttpModelClient, InferenceClientSettings
from rookery.workloads.adapters.inference.inprocess import InProcessModelClient

__all__ = [
    "CircuitBreaker",
    "CircuitState",
    "HttpModelClient",
    "InProcessModelClient",
    "InferenceClientSettings",
]
