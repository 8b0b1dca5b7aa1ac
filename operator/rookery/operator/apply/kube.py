"""Server-side apply (field manager "rookery-operator") and reads through the dynamic client.

The kubernetes client is synchronous; handlers call these methods through asyncio.to_thread.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError, ResourceNotFoundError
from kubernetes.dynamic.resource import Resource

from rookery.operator import FIELD_MANAGER


class MissingAPI(RuntimeError):
    """The cluster does not serve a kind (e.g. KServe's CRDs are not installed)."""


def load_config() -> client.ApiClient:
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()
    return client.ApiClient()


class Kube:
    def __init__(self, api_client: client.ApiClient | None = None) -> None:
        self.api = api_client or load_config()
        self._dynamic: DynamicClient | None = None
        self._types: dict[tuple[str, str], Resource] = {}
        self._lock = threading.Lock()

    def resource(self, api_version: str, kind: str) -> Resource:
        key = (api_version, kind)
        with self._lock:  # discovery is not thread-safe
            if key not in self._types:
                if self._dynamic is None:
                    self._dynamic = DynamicClient(self.api)
                try:
                    self._types[key] = self._dynamic.resources.get(api_version=api_version, kind=kind)
                except ResourceNotFoundError:
                    self._dynamic = None  # rediscover next time: the CRD may be installed later
                    raise MissingAPI(f"the cluster does not serve {kind} ({api_version})") from None
            return self._types[key]

    @property
    def dynamic(self) -> DynamicClient:
        if self._dynamic is None:
            with self._lock:
                self._dynamic = self._dynamic or DynamicClient(self.api)
        return self._dynamic

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply; returns the live object. A no-op apply writes nothing."""
        res = self.resource(manifest["apiVersion"], manifest["kind"])
        meta = manifest["metadata"]
        live = self.dynamic.server_side_apply(
            res,
            body=manifest,
            name=meta["name"],
            namespace=meta.get("namespace"),
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
        )
        return live.to_dict()

    def create_if_absent(self, manifest: dict[str, Any], field_manager: str) -> bool:
        """Create ``manifest`` unless an object of that name exists (left untouched); True if created."""
        res = self.resource(manifest["apiVersion"], manifest["kind"])
        try:
            res.create(body=manifest, namespace=manifest["metadata"].get("namespace"), field_manager=field_manager)
        except ConflictError:
            return False
        return True

    def apply_as(self, manifest: dict[str, Any], field_manager: str) -> dict[str, Any]:
        """Server-side apply under another field manager: only the fields of ``manifest`` are its own."""
        res = self.resource(manifest["apiVersion"], manifest["kind"])
        meta = manifest["metadata"]
        live = self.dynamic.server_side_apply(
            res, body=manifest, name=meta["name"], namespace=meta.get("namespace"),
            field_manager=field_manager, force_conflicts=True,
        )  # fmt: skip
        return live.to_dict()

    def get(self, api_version: str, kind: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        res = self.resource(api_version, kind)
        try:
            return res.get(name=name, namespace=namespace).to_dict()
        except NotFoundError:
            return None

    def list(
        self, api_version: str, kind: str, namespace: str | None, label_selector: str = ""
    ) -> list[dict[str, Any]]:
        res = self.resource(api_version, kind)
        return [item.to_dict() for item in res.get(namespace=namespace, label_selector=label_selector).items]

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None) -> bool:
        res = self.resource(api_version, kind)
        try:
            res.delete(name=name, namespace=namespace, body={"propagationPolicy": "Background"})
        except NotFoundError:
            return False
        return True

    def patch_metadata(
        self, api_version: str, kind: str, name: str, namespace: str, patch: dict[str, Any]
    ) -> None:
        res = self.resource(api_version, kind)
        res.patch(
            name=name,
            namespace=namespace,
            body={"metadata": patch},
            content_type="application/merge-patch+json",
        )

    def patch_status(
        self, api_version: str, kind: str, name: str, namespace: str, status: dict[str, Any]
    ) -> None:
        res = self.resource(api_version, kind).subresources["status"]
        res.patch(
            name=name,
            namespace=namespace,
            body={"status": status},
            content_type="application/merge-patch+json",
        )

    def secret_value(self, namespace: str, name: str, key: str) -> str | None:
        secret = self.get("v1", "Secret", name, namespace)
        raw = ((secret or {}).get("data") or {}).get(key)
        return base64.b64decode(raw).decode() if raw is not None else None
