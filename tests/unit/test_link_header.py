"""``Link`` headers built from the raw scope (api/social.py) are the ones Starlette's ``request.url``
and ``request.query_params`` give: the same path, the other parameters kept in order, the cursors
replaced, the token never echoed, nothing when there is no cursor."""

from __future__ import annotations

import types
import urllib.parse

import pytest
from starlette.requests import Request

from rookery.workloads.api.pagination import CURSORS, link_header

BASE = "https://social.example"


def _request(path: str, query: bytes) -> Request:
    settings = types.SimpleNamespace(base_url=BASE)
    app = types.SimpleNamespace(container=types.SimpleNamespace(settings=settings))
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": path,
        "query_string": query,
        "headers": [(b"host", b"testserver")],
        "app": app,
    }
    return Request(scope)


def _from_url(request: Request, next_max_id: int | None, prev_min_id: int | None) -> dict[str, str]:
    """What the header was before: request.url and a re-parsed query string."""
    base = BASE + request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in (*CURSORS, "access_token")]
    links = []
    if next_max_id is not None:
        links.append(f'<{base}?{urllib.parse.urlencode([*kept, ("max_id", str(next_max_id))])}>; rel="next"')
    if prev_min_id is not None:
        links.append(f'<{base}?{urllib.parse.urlencode([*kept, ("min_id", str(prev_min_id))])}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}


@pytest.mark.parametrize(
    "path, query",
    [
        ("/api/v1/timelines/home", b""),
        ("/api/v1/timelines/home", b"limit=2"),
        ("/api/v1/timelines/home", b"max_id=5&min_id=1&since_id=2"),
        ("/api/v1/timelines/home", b"local=true&limit=3&max_id=9&any%5B%5D=a+b&any%5B%5D=%C3%A9"),
        ("/api/v1/timelines/home", b"access_token=abc&empty="),
        ("/api/v1/timelines/tag/caf\u00e9", b""),
        ("/api/v1/timelines/tag/a?b#c\\d", b"limit=1"),
    ],
)
@pytest.mark.parametrize("cursors", [(10, 20), (10, None), (None, 20), (None, None)])
def test_link_header_matches_the_url_built_by_starlette(
    path: str, query: bytes, cursors: tuple[int | None, int | None]
) -> None:
    request = _request(path, query)
    assert link_header(request, *cursors) == _from_url(request, *cursors)


def test_no_cursor_no_header() -> None:
    assert link_header(_request("/api/v1/timelines/home", b"limit=2"), None, None) == {}


def test_the_access_token_is_never_echoed() -> None:
    request = _request("/api/v1/timelines/home", b"access_token=s3cret&limit=2&access_token=again")
    link = link_header(request, 10, 20)["Link"]
    assert "s3cret" not in link and "again" not in link and "access_token" not in link
    assert link == (
        f'<{BASE}/api/v1/timelines/home?limit=2&max_id=10>; rel="next", '
        f'<{BASE}/api/v1/timelines/home?limit=2&min_id=20>; rel="prev"'
    )
