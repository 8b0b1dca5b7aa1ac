"""ModelClient in-process (`rookery up`): the model server's own classes, loaded on first use.

A model loads in a worker thread the first time it is asked for; calls made while it loads (the
embeddings model takes seconds) fail fast with ModelUnavailable and callers fall back, as they
would while a remote model server starts. Without the ``ml`` extra every call raises
ModelUnavailable. Calls have a deadline and a circuit breaker, like the HTTP adapter.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import importlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from rookery.workloads.adapters.inference.circuit import CircuitBreaker
from rookery.workloads.adapters.inference.http import MODEL_NAMES
from rookery.workloads.domain.unavailable import ModelUnavailable


class InProcessModelClient:
    def __init__(
        self,
        storage_uri: str | None = None,
        models: Iterable[str] = MODEL_NAMES,
        timeout_s: float = 5.0,
        load_wait_s: float = 0.5,
        failure_threshold: int = 3,
        cooldown_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage_uri = storage_uri
        self.models = tuple(models)
        self.timeout_s = timeout_s
        self.load_wait_s = load_wait_s
        self._loaded: dict[str, Any] = {}
        self._loading: dict[str, asyncio.Future[Any]] = {}
        self._breakers = {m: CircuitBreaker(failure_threshold, cooldown_s, clock) for m in self.models}

    def breaker(self, model: str) -> CircuitBreaker:
        return self._breakers[model]

    def _load(self, model: str) -> Any:
        server = importlib.import_module("rookery.inference.server")
        storage = importlib.import_module("rookery.inference.storage")
        instance = server.build_model(model, storage.resolve_storage(self.storage_uri))
        instance.load()
        # a model lives as long as the process: out of the cyclic GC's reach, as what the process
        # built before serving is (commands.py). Loaded, the moderation and anomaly models add
        # ~180,000 tracked objects, and each full collection walked them: ~110 ms measured, the
        # home timeline's p99 at 70% went from 9 to 529 ms in make bench while they were loaded.
        gc.collect()
        gc.freeze()
        atexit.register(gc.unfreeze)  # at exit they are collected as usual (bindings then report no leak)
        return instance

    async def _model(self, model: str) -> Any:
        if model in self._loaded:
            return self._loaded[model]
        loading = self._start_loading(model)
        try:
            self._loaded[model] = await asyncio.wait_for(asyncio.shield(loading), self.load_wait_s)
        except TimeoutError:
            raise ModelUnavailable(f"model {model!r} is still loading") from None
        except ModuleNotFoundError as exc:
            del self._loading[model]
            raise ModelUnavailable(f"model {model!r} needs the ml extra (missing {exc.name!r})") from None
        except Exception as exc:
            del self._loading[model]
            raise ModelUnavailable(f"model {model!r} failed to load: {exc}") from None
        return self._loaded[model]

    def _start_loading(self, model: str) -> asyncio.Future[Any]:
        loading = self._loading.get(model)
        if loading is None:
            loading = asyncio.ensure_future(asyncio.to_thread(self._load, model))
            # a failure is told to the first caller (ModelUnavailable); retrieved here so that a
            # preload nobody asked after is not reported as an exception never retrieved
            loading.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._loading[model] = loading
        return loading

    async def preload(self, models: Iterable[str]) -> None:
        """Start loading ``models`` in the background and return at once (ROOKERY_MODELS_WARM_UP):
        the process serves while they load, and its first calls find them loaded instead of paying
        the load (seconds of the interpreter's lock) and being answered ModelUnavailable."""
        for model in models:
            if model in self._breakers:
                self._start_loading(model)

    async def warm_up(self) -> None:
        """Load every model now (e.g. at start-up) instead of on first use."""
        for model in self.models:
            self._loaded[model] = await self._start_loading(model)

    async def predict(self, model: str, instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if model not in self._breakers:
            raise ModelUnavailable(f"model {model!r} is not served in-process")
        loaded = await self._model(model)
        breaker = self._breakers[model]
        if not breaker.allow():
            raise ModelUnavailable(f"model {model!r}: circuit open, next try in {breaker.retry_in():.1f}s")
        invalid_input = importlib.import_module("rookery.inference._kserve").InvalidInput
        try:
            async with asyncio.timeout(self.timeout_s):
                predictions: list[dict[str, Any]] = await loaded.infer_instances(instances)
        except TimeoutError:
            breaker.record_failure()
            raise ModelUnavailable(f"model {model!r}: no answer within {self.timeout_s}s") from None
        except invalid_input as exc:
            breaker.record_success()
            raise ModelUnavailable(f"model {model!r} refused the instances: {exc}") from None
        except asyncio.CancelledError:
            breaker.release()
            raise
        except Exception as exc:
            breaker.record_failure()
            raise ModelUnavailable(f"model {model!r} failed: {type(exc).__name__}: {exc}") from None
        breaker.record_success()
        return predictions

    async def aclose(self) -> None:
        """Nothing to release (same shape as HttpModelClient); loaded models stay for the process."""
