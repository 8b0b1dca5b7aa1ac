"""What every flow shares: the clients, per-object locks and debounced re-reconciles."""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import kopf

from rookery.operator import API_VERSION
from rookery.operator.apply.kube import Kube
from rookery.operator.metrics import CHILD_WRITES

log = logging.getLogger("rookery.operator")

FULL, OBSERVE = "full", "observe"  # full: provision and apply; observe: read children, report


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def controller_uid(obj: dict[str, Any]) -> str | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")
    return None


class Runtime:
    def __init__(self, kube: Kube, debounce_s: float = 1.0) -> None:
        self.kube = kube
        self.debounce_s = debounce_s
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._pending: dict[tuple[str, str, str], str] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def lock(self, kind: str, namespace: str, name: str) -> asyncio.Lock:
        return self._locks.setdefault((kind, namespace, name), asyncio.Lock())

    def forget(self, kind: str, namespace: str, name: str) -> None:
        self._locks.pop((kind, namespace, name), None)

    def schedule(
        self, kind: str, namespace: str, name: str, mode: str, flow: Callable[[str], Awaitable[Any]]
    ) -> None:
        """Re-reconcile soon; bursts of child events collapse into one run (full wins over observe)."""
        key = (kind, namespace, name)
        previous = self._pending.get(key)
        self._pending[key] = FULL if FULL in (previous, mode) else OBSERVE
        if previous is None:
            task = asyncio.get_running_loop().create_task(self._later(key, flow))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _later(self, key: tuple[str, str, str], flow: Callable[[str], Awaitable[Any]]) -> None:
        await asyncio.sleep(self.debounce_s)
        mode = self._pending.pop(key, OBSERVE)
        try:
            await flow(mode)
        except Exception:  # the timer retries; the error is in the metrics and the log
            log.exception("re-reconcile of %s %s/%s failed", *key)

    # -- Kubernetes, from async code -----------------------------------------------------------

    async def get(
        self, kind: str, namespace: str, name: str, api_version: str = API_VERSION
    ) -> dict[str, Any] | None:
        return await asyncio.to_thread(self.kube.get, api_version, kind, name, namespace)

    async def list_objects(
        self, api_version: str, kind: str, namespace: str, selector: str = ""
    ) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.kube.list, api_version, kind, namespace, selector)

    async def apply(
        self, manifests: list[dict[str, Any]], before: dict[tuple[str, str], str]
    ) -> tuple[dict[tuple[str, str], dict[str, Any]], list[str]]:
        """Server-side apply each manifest; returns live objects and the "Kind/name" of those that changed."""
        live, changed = {}, []
        for manifest in manifests:
            key = (manifest["kind"], manifest["metadata"]["name"])
            obj = await asyncio.to_thread(self.kube.apply, manifest)
            live[key] = obj
            if before.get(key) != obj["metadata"]["resourceVersion"]:
                changed.append(f"{key[0]}/{key[1]}")
                CHILD_WRITES.labels(key[0]).inc()
        return live, changed

    async def prune(
        self,
        kinds: list[tuple[str, str]],
        namespace: str,
        selector: str,
        owner_uid: str,
        keep: set[tuple[str, str]],
    ) -> tuple[dict[tuple[str, str], str], list[str]]:
        """Existing children's resourceVersions, after deleting the owner's children no longer desired."""
        existing: dict[tuple[str, str], str] = {}
        deleted: list[str] = []
        for api_version, kind in kinds:
            for obj in await self.list_objects(api_version, kind, namespace, selector):
                if controller_uid(obj) != owner_uid:
                    continue
                key = (kind, obj["metadata"]["name"])
                if key in keep:
                    existing[key] = obj["metadata"]["resourceVersion"]
                else:
                    await asyncio.to_thread(self.kube.delete, api_version, kind, key[1], namespace)
                    deleted.append(f"{kind}/{key[1]}")
                    CHILD_WRITES.labels(kind).inc()
        return existing, deleted

    async def write_status(self, body: dict[str, Any], status: dict[str, Any]) -> bool:
        """Patch the status subresource only when something in it changed."""
        current = body.get("status") or {}
        if all(current.get(k) == v for k, v in status.items()):
            return False
        meta = body["metadata"]
        await asyncio.to_thread(
            self.kube.patch_status, API_VERSION, body["kind"], meta["name"], meta["namespace"], status
        )
        if status.get("phase") != current.get("phase"):
            why = next((c["message"] for c in status.get("conditions") or [] if c["type"] == "Ready"), "")
            log.info(
                "%s %s/%s: %s (%s)", body["kind"], meta["namespace"], meta["name"], status.get("phase"), why
            )
        return True

    async def secret(self, namespace: str, name: str, key: str) -> str:
        value = await asyncio.to_thread(self.kube.secret_value, namespace, name, key)
        if not value:
            raise MissingSetting(f"Secret {namespace}/{name} has no key {key!r}")
        return value


class MissingSetting(LookupError):
    """A Secret or key the operator needs is not there (yet)."""


def event(body: dict[str, Any], reason: str, message: str, warning: bool = False) -> None:
    """A Kubernetes Event on the custom resource for a significant step."""
    # kopf.event, not kopf.info: posting.level (WARNING) keeps handler log lines out of Events, not these
    kopf.event(
        cast(kopf.Body, body), type="Warning" if warning else "Normal", reason=reason, message=message[:1000]
    )
