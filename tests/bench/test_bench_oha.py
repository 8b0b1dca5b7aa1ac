"""The oha side of the bench: which scenarios it drives and the URLs it is given (no load is
generated; oha itself is not needed)."""

from __future__ import annotations

from bench.suite import SCENARIOS, oha_urls


def _spec(name: str) -> dict:
    return {
        "base": "http://127.0.0.1:9",
        "readers": ["r1", "r2"],
        "composers": ["c1"],
        "users": ["7", "8"],
        "mix": SCENARIOS[name],
    }


def test_get_only_scenarios_get_one_url_per_request_with_the_token_in_the_query() -> None:
    urls = oha_urls(_spec("read-user-timeline"), count=50)
    assert urls is not None and len(urls) == 50
    for url in urls:
        path, _, query = url.partition("?")
        assert path in {
            "http://127.0.0.1:9/api/v1/accounts/7/statuses",
            "http://127.0.0.1:9/api/v1/accounts/8/statuses",
        }
        assert query in {"access_token=r1", "access_token=r2"}
    home = oha_urls(_spec("read-home-timeline"), count=5)
    assert home is not None and all(u.startswith("http://127.0.0.1:9/api/v1/timelines/home?") for u in home)


def test_mixes_with_writes_are_left_to_bench_loadgen() -> None:
    assert oha_urls(_spec("mixed")) is None
    assert oha_urls(_spec("compose-post")) is None
