"""Embedded OAuthStore: apps, single-use authorization codes and token metadata in SQLite."""

from __future__ import annotations

import datetime as dt

from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.to_row import APP_COLUMNS, CODE_COLUMNS, TOKEN_COLUMNS
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord

MIGRATIONS = load_migrations("oauth", 1)


class SqliteOAuthStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_app(self, app: OAuthApp) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO oauth_apps ({APP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                to_row.oauth_app(app, SQLITE),
            )

    async def app(self, app_id: int) -> OAuthApp | None:
        row = await self.db.fetchone("SELECT * FROM oauth_apps WHERE id = ?", (app_id,))
        return from_row.oauth_app(row, SQLITE) if row else None

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None:
        row = await self.db.fetchone("SELECT * FROM oauth_apps WHERE client_id = ?", (client_id,))
        return from_row.oauth_app(row, SQLITE) if row else None

    async def save_code(self, code: AuthorizationCode) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO oauth_codes ({CODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                to_row.authorization_code(code, SQLITE),
            )

    async def take_code(self, digest: str) -> AuthorizationCode | None:
        async with self.db.transaction() as tx:
            async with tx.execute("SELECT * FROM oauth_codes WHERE digest = ?", (digest,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await tx.execute("DELETE FROM oauth_codes WHERE digest = ?", (digest,))
        return from_row.authorization_code(row, SQLITE)

    async def save_token(self, token: TokenRecord) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO oauth_tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                to_row.token(token, SQLITE),
            )

    async def token(self, jti: str) -> TokenRecord | None:
        row = await self.db.fetchone("SELECT * FROM oauth_tokens WHERE jti = ?", (jti,))
        return from_row.token(row, SQLITE) if row else None

    async def token_by_refresh(self, refresh_digest: str) -> TokenRecord | None:
        row = await self.db.fetchone("SELECT * FROM oauth_tokens WHERE refresh_digest = ?", (refresh_digest,))
        return from_row.token(row, SQLITE) if row else None

    async def revoke(self, jti: str, at: dt.datetime) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE oauth_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL",
                (at.isoformat(), jti),
            )
            return cursor.rowcount > 0

    async def revoked_since(self, not_expired_at: dt.datetime) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT jti FROM oauth_tokens WHERE revoked_at IS NOT NULL AND"
            " (expires_at > ? OR (refresh_expires_at IS NOT NULL AND refresh_expires_at > ?))",
            (not_expired_at.isoformat(), not_expired_at.isoformat()),
        )
        return [row["jti"] for row in rows]
