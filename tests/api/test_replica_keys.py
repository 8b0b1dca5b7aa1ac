"""Every replica accepts every other replica's tokens: two production app instances built from the
same settings (the tenant's keys Secret, shared PostgreSQL, Redis, Kafka, Cassandra) are two pods."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

PRODUCTION_NEEDS = ("postgres", "redis", "kafka", "cassandra")


@pytest.fixture(params=[pytest.param("production", marks=pytest.mark.needs(*PRODUCTION_NEEDS))])
def api_mode(request: pytest.FixtureRequest) -> str:
    """Production only: an embedded process keeps its own data dir, so it has no replicas."""
    return str(request.param)


async def test_a_token_from_one_replica_works_on_the_other(app_factory: Any, tmp_path: pathlib.Path) -> None:
    async with app_factory(data_dir=tmp_path / "pod-a") as one, app_factory(data_dir=tmp_path / "pod-b") as two:
        assert one.container.infra.signing_keys.kid == two.container.infra.signing_keys.kid
        alice = await one.make_user("alice", via_http=True)  # signed up and signed in on pod a
        me = await two.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "alice"
        bob = await two.make_user("bob", via_http=True)  # and the other way round
        followed = await one.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
        assert followed.status_code == 200, followed.text
        jwks = [(await api.client.get("/.well-known/jwks.json")).json() for api in (one, two)]
        assert jwks[0] == jwks[1]
        # the Web Push key clients subscribe with is the same on both
        keys = [
            (await api.client.get("/api/v2/instance")).json()["configuration"]["vapid"]["public_key"]
            for api in (one, two)
        ]
        assert keys[0] == keys[1] != ""
    # neither pod wrote keys to its data dir
    assert not (tmp_path / "pod-a" / "keys").exists() and not (tmp_path / "pod-b" / "keys").exists()
