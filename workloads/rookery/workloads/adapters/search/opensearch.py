"""SearchIndex on OpenSearch (opensearch-py's async client over aiohttp)."""

from __future__ import annotations

from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import ConnectionError as OsConnectionError
from opensearchpy.exceptions import ConnectionTimeout, RequestError, TransportError

from rookery.workloads.adapters.search.engine import EngineSearchIndex
from rookery.workloads.domain.unavailable import StoreUnavailable


class OpenSearchIndex(EngineSearchIndex):
    def __init__(self, url: str, prefix: str, *, refresh: str = "false", timeout_s: float = 5.0) -> None:
        super().__init__(prefix, refresh=refresh)
        self.client = AsyncOpenSearch(hosts=[url], timeout=timeout_s, max_retries=1, retry_on_timeout=False)

    async def _call(self, call: Any) -> Any:
        try:
            return await call
        except (OsConnectionError, ConnectionTimeout) as exc:
            raise StoreUnavailable(f"opensearch: {exc}") from exc
        except TransportError as exc:
            if isinstance(exc, RequestError):
                raise
            raise StoreUnavailable(f"opensearch: {exc}") from exc

    async def _put_template(self, name: str, body: dict[str, Any]) -> None:
        await self._call(self.client.indices.put_index_template(name=name, body=body))

    async def _ensure_index(self, index: str) -> None:
        if not await self._call(self.client.indices.exists(index=index)):
            try:
                await self._call(self.client.indices.create(index=index))
            except RequestError as exc:  # another process created it first
                if "resource_already_exists" not in str(exc):
                    raise

    async def _bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self._call(self.client.bulk(body=operations, refresh=self.refresh))
        return dict(response)

    async def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call(self.client.search(index=index, body=body)))

    async def close(self) -> None:
        await self.client.close()
