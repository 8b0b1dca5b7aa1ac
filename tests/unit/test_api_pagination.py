"""api.pagination: cursor parsing into a PageRequest (the Link header: test_link_header.py)."""

from __future__ import annotations

import re

import pytest

from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.pagination import cursor, id_cursors, page_of, pair_cursors
from rookery.workloads.api.params import Params
from rookery.workloads.domain.pagination import PageRequest


def test_cursors_and_limit() -> None:
    assert page_of(Params({})) == PageRequest(limit=20)
    page = page_of(Params({"max_id": "30", "since_id": 10, "min_id": "", "limit": "5"}))
    assert page == PageRequest(max_id=30, since_id=10, min_id=None, limit=5)
    assert page_of(Params({"limit": "500"})).limit == 40  # clamped to the maximum
    assert page_of(Params({"limit": "0"})).limit == 20  # zero reads as the default
    assert page_of(Params({"limit": "500"}), 40, 80).limit == 80


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        ({"max_id": "abc"}, None, "max_id must be a status id (a positive integer)"),
        ({"since_id": True}, None, "since_id must be a status id (a positive integer)"),
        ({"min_id": "-3"}, "an id", "min_id must be an id"),
        ({"limit": "many"}, None, "limit must be an integer"),
    ],
)
def test_a_bad_cursor_or_limit_is_a_422(data: dict[str, object], kind: str | None, message: str) -> None:
    with pytest.raises(Unprocessable, match=re.escape(message)):
        page_of(Params(data), kind=kind) if kind else page_of(Params(data))


def test_one_cursor_and_the_cursors_of_a_page() -> None:
    assert cursor(Params({"max_id": "7"}), "max_id") == 7
    assert cursor(Params({}), "min_id") is None
    assert id_cursors([9, 5, 2]) == (2, 9) and id_cursors([]) == (None, None)
    assert pair_cursors([(12, 1), (11, 2)]) == (11, 12) and pair_cursors([]) == (None, None)
