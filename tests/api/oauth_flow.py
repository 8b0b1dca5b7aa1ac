"""The browser side of the authorization-code flow, driven over HTTP (used by OAuth tests)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

import httpx

OOB = "urn:ietf:wg:oauth:2.0:oob"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def authorize(
    client: httpx.AsyncClient,
    app: dict[str, Any],
    *,
    login: str,
    password: str,
    redirect_uri: str = OOB,
    scope: str = "read write",
    decision: str = "approve",
    **extra: str,
) -> httpx.Response:
    """Open the authorize page, then submit its form as a browser would (CSRF cookie included)."""
    query = {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": scope,
    }
    query.update(extra)
    page = await client.get("/oauth/authorize", params=query)
    assert page.status_code == 200, page.text
    match = re.search(r"name='csrf_token' value='([^']+)'", page.text)
    assert match, page.text
    form = {k: v for k, v in query.items() if k != "response_type"}
    form.update(csrf_token=match.group(1), username=login, password=password, decision=decision)
    return await client.post("/oauth/authorize", data=form)


def code_from_page(response: httpx.Response) -> str:
    match = re.search(r"id='authorization-code'>([^<]+)<", response.text)
    assert match, response.text
    return match.group(1)
