"""The request bodies and headers a Mastodon app sends, for tests/, e2e/ and bench/ alike.

Only data, no client: the callers use httpx.Client, httpx.AsyncClient or an ASGI transport as they
please, e.g. ``client.post("/oauth/token", data=grant(app, "client_credentials", scope="read"))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OOB = "urn:ietf:wg:oauth:2.0:oob"


def app_form(name: str, scopes: str, redirect_uris: str = OOB) -> dict[str, str]:
    """The POST /api/v1/apps form: register an app."""
    return {"client_name": name, "redirect_uris": redirect_uris, "scopes": scopes}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def grant(app: Mapping[str, Any], grant_type: str, **fields: str) -> dict[str, str]:
    """The /oauth/token form: a grant for ``app`` (a registered app's client_id and client_secret)."""
    return {"grant_type": grant_type, "client_id": app["client_id"], "client_secret": app["client_secret"], **fields}


def signup(username: str, password: str, *, email: str = "", agreement: str = "true", **fields: str) -> dict[str, str]:
    """The POST /api/v1/accounts form (email defaults to username@example.org)."""
    email = email or f"{username}@example.org"
    return {"username": username, "email": email, "password": password, "agreement": agreement, **fields}
