"""The split gateway's route table (api/roles.py): built from the roles' own routers, it gives every
route of `rookery up`'s app exactly one owning role, and each role's process serves exactly the
routes the gateway sends it."""

from __future__ import annotations

import pathlib
import re

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute, Mount

from rookery.workloads import catalogue
from rookery.workloads.api.app import create_app
from rookery.workloads.api.roles import ROUTES, RouteTable, router_of
from rookery.workloads.bootstrap import build
from rookery.workloads.settings import Settings

# what every process answers itself (never routed): probes, metrics, the OpenAPI documents
OWN = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def flat(routes: list[BaseRoute]) -> list[BaseRoute]:
    """An app's routes in matching order, included routers opened (FastAPI includes them lazily)."""
    out: list[BaseRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out += flat(list(inner.routes)) if inner is not None else [route]
    return out


@pytest.fixture(scope="module")
def monolith(tmp_path_factory: pytest.TempPathFactory) -> list[BaseRoute]:
    """Every route of `rookery up`'s app (all roles, embedded adapters; nothing started)."""
    container = build(Settings(data_dir=tmp_path_factory.mktemp("monolith")))
    return flat(list(create_app(container).routes))


def _sample(route: BaseRoute) -> str:
    """A concrete path the route matches: each {param} filled with digits."""
    path = route.path if not isinstance(route, Mount) else route.path + "/1/original.png"  # type: ignore[attr-defined]
    return re.sub(r"\{[^}]+\}", "12345", path)


def _scope(route: BaseRoute, path: str) -> dict[str, object]:
    if isinstance(route, APIWebSocketRoute):
        return {"type": "websocket", "path": path, "root_path": "", "headers": [], "query_string": b""}
    method = sorted(route.methods)[0] if isinstance(route, APIRoute) else "GET"
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


def test_every_route_of_the_monolith_has_exactly_one_owner(monolith: list[BaseRoute]) -> None:
    table = RouteTable.of_roles()
    served = [route for route in monolith if getattr(route, "path", "") not in OWN]
    assert len(served) > 100  # the whole API, not a corner of it
    lost = []
    for route in served:
        owners = [
            role
            for role, candidate in table.routes
            if getattr(candidate, "path", None) == getattr(route, "path", None)
            and getattr(candidate, "methods", None) == getattr(route, "methods", None)
            and type(candidate) is type(route)
        ]
        if len(owners) != 1:
            lost.append((getattr(route, "path", route), owners))
    assert lost == []


def test_a_request_for_any_route_is_sent_where_the_monolith_would_answer_it(monolith: list[BaseRoute]) -> None:
    """Matching follows the monolith's order: the route the app would run is the one routed."""
    table = RouteTable.of_roles()
    owner_of = {id(route): role for role, route in table.routes}
    by_template = {(getattr(r, "path", ""), frozenset(getattr(r, "methods", None) or ())): r for _, r in table.routes}
    for route in monolith:
        if getattr(route, "path", "") in OWN:
            continue
        path = _sample(route)
        scope = _scope(route, path)
        # what the monolith's router picks for this request: its first full match
        picked = next(r for r in monolith if r.matches(scope)[0].name == "FULL")
        found = table.match(scope)
        assert found is not None, path
        role, routed = found
        key = (getattr(picked, "path", ""), frozenset(getattr(picked, "methods", None) or ()))
        if isinstance(picked, Mount):
            assert role == "media" and isinstance(routed, Mount)
            continue
        assert owner_of[id(by_template[key])] == role, (path, role)


def test_paths_no_role_owns_stay_with_the_gateway() -> None:
    table = RouteTable.of_roles()
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/nope", "/api/v1/nothing-here"):
        assert table.match({"type": "http", "method": "GET", "path": path, "root_path": ""}) is None


def test_a_method_the_route_does_not_take_and_a_trailing_slash_go_to_the_owner() -> None:
    table = RouteTable.of_roles()
    put = table.match({"type": "http", "method": "PUT", "path": "/api/v1/timelines/home", "root_path": ""})
    assert put is not None and put[0] == "feed"  # feed answers 405, as the monolith does
    slash = table.match({"type": "http", "method": "GET", "path": "/api/v1/timelines/home/", "root_path": ""})
    assert slash is not None and slash[0] == "feed"


def test_well_known_routes_and_their_owners() -> None:
    table = RouteTable.of_roles()
    cases = {
        ("POST", "/api/v1/statuses"): "posts",
        ("GET", "/api/v1/timelines/home"): "feed",
        ("POST", "/api/v1/accounts/12/follow"): "graph",
        ("GET", "/api/v1/accounts/verify_credentials"): "accounts",
        ("POST", "/oauth/token"): "accounts",
        ("GET", "/api/v1/notifications"): "notifications",
        ("POST", "/api/v2/media"): "media",
        ("GET", "/system/media/1/original.png"): "media",
        ("GET", "/api/v2/search"): "search",
        ("GET", "/api/v1/streaming/user"): "feed",
        ("GET", "/api/v1/trends/tags"): "analytics",
        ("POST", "/api/v1/reports"): "admin",
        ("GET", "/api/v1/chats"): "messaging",
    }
    for (method, path), role in cases.items():
        found = table.match({"type": "http", "method": method, "path": path, "root_path": ""})
        assert found is not None and found[0] == role, (method, path, found)
    socket = table.match({"type": "websocket", "path": "/api/v1/streaming", "root_path": ""})
    assert socket is not None and socket[0] == "feed"


def test_the_table_is_made_of_the_roles_router_objects() -> None:
    """Not a copy: a route added to a role's router is in the table with no other change."""
    table = RouteTable.of_roles()
    ids = {id(route) for _, route in table.routes}
    for entry in ROUTES:
        assert entry.role in catalogue.ROLES
        assert all(id(route) in ids for route in router_of(entry).routes), entry.module


def test_a_role_process_serves_exactly_its_own_routes(tmp_path: pathlib.Path) -> None:
    container = build(Settings(data_dir=tmp_path))
    table = RouteTable.of_roles()
    for role in sorted(table.roles()):
        app = create_app(container, serve=(role,))
        own = {(getattr(r, "path", ""), frozenset(getattr(r, "methods", None) or ())) for r in flat(app.routes)}
        own -= {(path, methods) for path, methods in own if path in OWN}
        expected = {
            (getattr(r, "path", ""), frozenset(getattr(r, "methods", None) or ()))
            for owner, r in table.routes
            if owner == role
        }
        assert own == expected, role


def test_every_catalogue_role_has_a_url_setting() -> None:
    """The operator renders ROOKERY_ROLE_URL_<ROLE> for each role; Settings reads each of them."""
    for role in catalogue.ROLES:
        assert f"role_url_{role}" in Settings.model_fields
        configured = Settings(**{f"role_url_{role}": f"http://{role}.svc:8080/"})
        assert configured.role_url(role) == f"http://{role}.svc:8080"


def test_the_indexed_lookup_picks_what_a_scan_of_every_route_picks() -> None:
    """RouteTable looks only at the routes a path's first segments allow: for every template (filled
    in, raw, with and without a trailing slash, one segment longer), odd paths, each method and
    both scope types, the answer is the first full match of a scan over all routes, else the first
    partial one, as Starlette's router picks."""
    table = RouteTable.of_roles()

    paths = {"/", "//api/v1/instance", "/api", "/api/", "/api/v1", "/api/v2", "/nowhere", "/api/v1/accounts/1/x/"}
    for _, route in table.routes:
        template = getattr(route, "path", "/")
        filled = re.sub(r"\{[^}]*\}", "123", template)
        paths |= {template, filled, filled + "/", filled + "/x", filled.rstrip("/") or "/", filled + "/1/original.png"}
    checked = 0
    for path in sorted(paths):
        for kind in ("http", "websocket"):
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE") if kind == "http" else ("",):
                scope: dict[str, object] = {"type": kind, "path": path, "root_path": "", "headers": []}
                if method:
                    scope["method"] = method
                assert table._match(scope) == RouteTable.first(scope, table.routes), (kind, method, path)
                checked += 1
    assert checked > 5000
