"""ModelClient over HTTP: KServe V1 ``POST {endpoint}/v1/models/{model}:predict``.

Every call has a total deadline and goes through the model's circuit breaker; timeouts, transport
errors, 5xx and unreadable replies count as failures, and while a circuit is open calls fail at
once with ModelUnavailable so that callers fall back without waiting. A 4xx means the server is up
but refused the instances: ModelUnavailable too, without tripping the breaker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from rookery.workloads.adapters.inference.circuit import CircuitBreaker
from rookery.workloads.domain.unavailable import ModelUnavailable

MODEL_NAMES = ("moderation", "embeddings", "ranking", "anomaly")


class InferenceClientSettings(BaseSettings):
    """``ROOKERY_INFERENCE_URL`` serves every model; ``ROOKERY_MODEL_ENDPOINT_<MODEL>`` overrides one."""

    model_config = SettingsConfigDict(env_prefix="ROOKERY_", extra="ignore")

    inference_url: str = ""
    model_endpoint_moderation: str = ""
    model_endpoint_embeddings: str = ""
    model_endpoint_ranking: str = ""
    model_endpoint_anomaly: str = ""
    inference_timeout_s: float = 2.0
    inference_failure_threshold: int = 3
    inference_cooldown_s: float = 10.0

    def endpoints(self) -> dict[str, str]:
        found = {}
        for model in MODEL_NAMES:
            url = getattr(self, f"model_endpoint_{model}") or self.inference_url
            if url:
                found[model] = url.rstrip("/")
        return found


def error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    return response.text[:200]


class HttpModelClient:
    def __init__(
        self,
        endpoints: Mapping[str, str],
        timeout_s: float = 2.0,
        failure_threshold: int = 3,
        cooldown_s: float = 10.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoints = {model: url.rstrip("/") for model, url in endpoints.items()}
        self.timeout_s = timeout_s
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._owns_client = client is None
        self._breakers = {
            model: CircuitBreaker(failure_threshold, cooldown_s, clock) for model in self.endpoints
        }

    @classmethod
    def from_settings(cls, settings: InferenceClientSettings | None = None) -> HttpModelClient:
        settings = settings or InferenceClientSettings()
        return cls(
            settings.endpoints(),
            timeout_s=settings.inference_timeout_s,
            failure_threshold=settings.inference_failure_threshold,
            cooldown_s=settings.inference_cooldown_s,
        )

    def breaker(self, model: str) -> CircuitBreaker:
        return self._breakers[model]

    async def predict(self, model: str, instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
        endpoint = self.endpoints.get(model)
        if endpoint is None:
            raise ModelUnavailable(f"no endpoint configured for model {model!r}")
        breaker = self._breakers[model]
        if not breaker.allow():
            raise ModelUnavailable(f"model {model!r}: circuit open, next try in {breaker.retry_in():.1f}s")
        url = f"{endpoint}/v1/models/{model}:predict"
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self._client.post(url, json={"instances": instances})
        except TimeoutError:
            breaker.record_failure()
            raise ModelUnavailable(f"model {model!r}: no answer within {self.timeout_s}s") from None
        except httpx.HTTPError as exc:
            breaker.record_failure()
            raise ModelUnavailable(f"model {model!r}: {type(exc).__name__}: {exc}") from None
        except BaseException:
            breaker.release()
            raise
        if response.status_code >= 500:
            breaker.record_failure()
            raise ModelUnavailable(f"model {model!r} answered {response.status_code}: {error_text(response)}")
        if response.status_code >= 400:
            breaker.record_success()
            raise ModelUnavailable(
                f"model {model!r} refused the instances ({response.status_code}): {error_text(response)}"
            )
        try:
            predictions = response.json()["predictions"]
        except (ValueError, KeyError, TypeError):
            breaker.record_failure()
            raise ModelUnavailable(f"model {model!r} answered without a predictions list") from None
        if not isinstance(predictions, list) or len(predictions) != len(instances):
            breaker.record_failure()
            raise ModelUnavailable(f"model {model!r} did not answer one prediction per instance")
        breaker.record_success()
        return predictions

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
