"""OAuthStore on PostgreSQL: apps, single-use authorization codes and token metadata."""

from __future__ import annotations

import datetime as dt

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import POSTGRES
from rookery.workloads.adapters.sql.to_row import APP_COLUMNS, CODE_COLUMNS, TOKEN_COLUMNS
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord


class PostgresOAuthStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def create_app(self, app: OAuthApp) -> None:
        await self.db.execute(
            f"INSERT INTO oauth_apps ({APP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            *to_row.oauth_app(app, POSTGRES),
        )

    async def app(self, app_id: int) -> OAuthApp | None:
        row = await self.db.fetchrow("SELECT * FROM oauth_apps WHERE id = $1", app_id)
        return from_row.oauth_app(row, POSTGRES) if row else None

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None:
        row = await self.db.fetchrow("SELECT * FROM oauth_apps WHERE client_id = $1", client_id)
        return from_row.oauth_app(row, POSTGRES) if row else None

    async def save_code(self, code: AuthorizationCode) -> None:
        await self.db.execute(
            f"INSERT INTO oauth_codes ({CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            *to_row.authorization_code(code, POSTGRES),
        )

    async def take_code(self, digest: str) -> AuthorizationCode | None:
        # DELETE ... RETURNING: two concurrent exchanges of one code cannot both get it
        row = await self.db.fetchrow("DELETE FROM oauth_codes WHERE digest = $1 RETURNING *", digest)
        if row is None:
            return None
        return from_row.authorization_code(row, POSTGRES)

    async def save_token(self, token: TokenRecord) -> None:
        await self.db.execute(
            f"INSERT INTO oauth_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            *to_row.token(token, POSTGRES),
        )

    async def token(self, jti: str) -> TokenRecord | None:
        row = await self.db.fetchrow("SELECT * FROM oauth_tokens WHERE jti = $1", jti)
        return from_row.token(row, POSTGRES) if row else None

    async def token_by_refresh(self, refresh_digest: str) -> TokenRecord | None:
        row = await self.db.fetchrow("SELECT * FROM oauth_tokens WHERE refresh_digest = $1", refresh_digest)
        return from_row.token(row, POSTGRES) if row else None

    async def revoke(self, jti: str, at: dt.datetime) -> bool:
        result = await self.db.execute(
            "UPDATE oauth_tokens SET revoked_at = $2 WHERE jti = $1 AND revoked_at IS NULL", jti, at
        )
        return result != "UPDATE 0"

    async def revoked_since(self, not_expired_at: dt.datetime) -> list[str]:
        rows = await self.db.fetch(
            "SELECT jti FROM oauth_tokens WHERE revoked_at IS NOT NULL AND"
            " (expires_at > $1 OR (refresh_expires_at IS NOT NULL AND refresh_expires_at > $1))",
            not_expired_at,
        )
        return [row["jti"] for row in rows]
