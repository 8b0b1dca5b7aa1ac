"""SearchIndex on Elasticsearch (the official async client). The requests are the ones the
OpenSearch adapter sends (engine.py); only the client differs. Tested against an HTTP double
with Elasticsearch's documented request/response shapes (no Elasticsearch server runs here)."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, ConnectionTimeout
from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import TransportError as EsTransportError

from rookery.workloads.adapters.search.engine import EngineSearchIndex
from rookery.workloads.domain.unavailable import StoreUnavailable


class ElasticsearchIndex(EngineSearchIndex):
    def __init__(self, url: str, prefix: str, *, refresh: str = "false", timeout_s: float = 5.0) -> None:
        super().__init__(prefix, refresh=refresh)
        self.client = AsyncElasticsearch(
            url, request_timeout=timeout_s, max_retries=1, retry_on_timeout=False
        )

    async def _call(self, call: Any) -> Any:
        try:
            return await call
        except (EsConnectionError, ConnectionTimeout, EsTransportError) as exc:
            raise StoreUnavailable(f"elasticsearch: {exc}") from exc

    async def _put_template(self, name: str, body: dict[str, Any]) -> None:
        await self._call(
            self.client.indices.put_index_template(
                name=name,
                index_patterns=body["index_patterns"],
                priority=body["priority"],
                template=body["template"],
            )
        )

    async def _ensure_index(self, index: str) -> None:
        if not await self._call(self.client.indices.exists(index=index)):
            try:
                await self._call(self.client.indices.create(index=index))
            except BadRequestError as exc:  # another process created it first
                if "resource_already_exists" not in str(exc):
                    raise

    async def _bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self._call(self.client.bulk(operations=operations, refresh=self.refresh))
        return dict(response.body)

    async def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self._call(self.client.search(index=index, body=body))
        return dict(response.body)

    async def close(self) -> None:
        await self.client.close()
