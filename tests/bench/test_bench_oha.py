"""The oha side of the bench: one group of requests per method of a scenario's mix, at its share
of the rate, and the URLs and bodies each is given (no load is generated; oha is not needed)."""

from __future__ import annotations

import json

import pytest

from bench.suite import SCENARIOS, oha_groups


def _spec(name: str) -> dict:
    return {
        "base": "http://127.0.0.1:9",
        "readers": ["r1", "r2"],
        "composers": ["c1"],
        "users": ["7", "8"],
        "mix": SCENARIOS[name],
    }


def test_a_read_scenario_is_one_get_group_with_the_token_in_the_query() -> None:
    (group,) = oha_groups(_spec("read-user-timeline"), count=50)
    assert (group.method, group.share, group.bodies) == ("GET", 1.0, [])
    assert len(group.urls) == 50
    for url in group.urls:
        path, _, query = url.partition("?")
        assert path in {
            "http://127.0.0.1:9/api/v1/accounts/7/statuses",
            "http://127.0.0.1:9/api/v1/accounts/8/statuses",
        }
        assert query in {"access_token=r1", "access_token=r2"}


def test_the_mix_splits_by_method_at_its_weights_with_unique_compose_bodies() -> None:
    reads, writes = oha_groups(_spec("mixed"), count=100)
    assert (reads.method, writes.method) == ("GET", "POST")
    assert reads.share == pytest.approx(0.9) and writes.share == pytest.approx(0.1)
    assert {u.partition("?")[0] for u in reads.urls} <= {
        "http://127.0.0.1:9/api/v1/timelines/home",
        "http://127.0.0.1:9/api/v1/accounts/7/statuses",
        "http://127.0.0.1:9/api/v1/accounts/8/statuses",
    }
    assert set(writes.urls) == {"http://127.0.0.1:9/api/v1/statuses?access_token=c1"}
    statuses = [json.loads(body)["status"] for body in writes.bodies]
    assert len(set(statuses)) == len(statuses) >= 100
    (compose,) = oha_groups(_spec("compose-post"))
    assert (compose.method, compose.share) == ("POST", 1.0)
