"""``bearer_token``: the Authorization header first, else the first non-empty ``access_token``
query parameter, read exactly as a full parse of the query reads it (the fast slice included)."""

from __future__ import annotations

import urllib.parse

import pytest

from rookery.workloads.api.deps import bearer_token


def parsed(query: bytes) -> str | None:
    """The full parse, of a query that names ``access_token`` unescaped (an escaped name is no token)."""
    if b"access_token=" not in query:
        return None
    for key, found in urllib.parse.parse_qsl(query.decode("latin-1")):
        if key == "access_token" and found:
            return found
    return None


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"access_token=abc",
        b"limit=2&access_token=abc.def-ghi_jkl",
        b"access_token=&access_token=second",
        b"access_token=first&access_token=second",
        b"xaccess_token=no&limit=1",
        b"xaccess_token=no&access_token=yes",
        b"limit=1&access_token=",
        b"access_token=a%2Bb&limit=1",
        b"access_token=a+b",
        b"access%5Ftoken=escaped",
        b"access_token=t&&limit=2",
        b"access_token==x",
        b"access_token=caf\xc3\xa9",
        b"a=1;access_token=semi",
    ],
)
def test_the_query_token_is_the_one_a_full_parse_finds(query: bytes) -> None:
    assert bearer_token({}, query) == parsed(query)


def test_the_header_wins_and_a_non_bearer_scheme_is_none() -> None:
    assert bearer_token({"authorization": "Bearer  head "}, b"access_token=query") == "head"
    assert bearer_token({"authorization": "Basic abc"}, b"access_token=query") is None
