"""JWKS of an external OIDC issuer (Keycloak realm): discovery document → ``jwks_uri`` → keys."""

from __future__ import annotations

from typing import Any

import httpx

from rookery.workloads.domain.unavailable import StoreUnavailable


class HttpJwksSource:
    def __init__(self, issuer: str, timeout_s: float = 5.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.timeout_s = timeout_s
        self._jwks_uri: str | None = None

    async def fetch(self) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                if self._jwks_uri is None:
                    response = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                    response.raise_for_status()
                    self._jwks_uri = str(response.json()["jwks_uri"])
                response = await client.get(self._jwks_uri)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
                return document
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise StoreUnavailable(f"OIDC issuer {self.issuer} is unreachable: {exc}") from exc
