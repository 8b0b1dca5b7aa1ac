"""Two replicas sharing Redis (the real one): a token revoked on one fails on the other at once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.needs("redis")


async def test_revocation_reaches_the_other_replica(
    app_factory: Any, stack_env: dict[str, str], tmp_path: Any
) -> None:
    shared = {
        "data_dir": tmp_path / "shared",
        "redis_url": stack_env["ROOKERY_REDIS_URL"],
        "tenant": f"t{uuid.uuid4().hex[:12]}",
    }
    async with app_factory(**shared) as one, app_factory(**shared) as two:
        alice = await one.make_user("alice")
        # replica two has verified (and cached) the token
        assert (
            await two.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        ).status_code == 200
        await asyncio.sleep(0.2)  # both replicas are subscribed to the revocation feed
        ctx = await one.container.tokens.validate(alice.token)
        await one.container.accounts.oauth.revoke_token_id(ctx.token_id)
        status = 200
        for _ in range(50):
            status = (
                await two.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
            ).status_code
            if status == 401:
                break
            await asyncio.sleep(0.05)
        assert status == 401
