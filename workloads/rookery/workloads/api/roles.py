"""Which role owns which routes: the one list both the app (api/app.py) and the split gateway
(api/proxy.py) read.

``ROUTES`` names each router module with its owning role, in the order the monolith includes them
(that order decides which route answers a path two routes could match). The app includes a
module's ``router`` where its process can serve it; the split gateway builds its ``RouteTable``
from the very same router objects, so a route added to a role's router is routed by the gateway
with no other change, and ``tests/unit/test_route_table.py`` proves every route of `rookery up`'s
app has exactly one owner.

Where each role's routes live:
  accounts       OAuth, accounts, instance metadata, discovery (/.well-known, /nodeinfo), preferences
  posts          statuses, interactions (favourites, reblogs, bookmarks...), conversations
  graph          follows, follow requests, blocks, mutes, relationships; notes, endorsements, featured tags,
                 suggestions, the directory, familiar followers (routes.profiles)
  feed           timelines, lists, streaming (SSE and the WebSocket: the hub filters with the graph
                 and lists stores this role builds)
  notifications  notifications, Web Push subscriptions
  messaging      chats
  media          uploads, and the files of the local-disk store (/system/media)
  search         search, hashtags
  admin          reports, the admin API
  analytics      trends
  gateway        none of its own: authentication, rate limits and routing (the split gateway)
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route, WebSocketRoute

from rookery.workloads import catalogue

# the local-disk media store's mount (adapters/local/media.py), served by the media role
MEDIA_FILES_PATH = "/system/media"


@dataclasses.dataclass(frozen=True, slots=True)
class RouterModule:
    role: str  # the catalogue role that owns every route of the module
    module: str  # under rookery.workloads.api; the module's ``router`` is an APIRouter


# the monolith's include order (api/app.py)
ROUTES: tuple[RouterModule, ...] = (
    RouterModule("accounts", "routes.oauth"),
    RouterModule("accounts", "routes.accounts"),
    RouterModule("accounts", "routes.instance"),
    RouterModule("accounts", "routes.discovery"),
    RouterModule("accounts", "routes.instance_admin"),
    RouterModule("accounts", "routes.announcements"),
    RouterModule("accounts", "routes.preferences"),
    RouterModule("feed", "routes.timelines"),  # first of the social routers: the hottest read
    RouterModule("posts", "routes.statuses"),
    RouterModule("posts", "routes.interactions"),
    RouterModule("posts", "routes.polls"),
    RouterModule("posts", "routes.filters"),
    RouterModule("posts", "routes.scheduled_statuses"),
    RouterModule("graph", "routes.graph"),
    RouterModule("graph", "routes.profiles"),
    RouterModule("notifications", "routes.notification_requests"),  # before v1's /{id}, v2's /{group_key}
    RouterModule("notifications", "routes.grouped_notifications"),  # before v1's /{id}
    RouterModule("notifications", "routes.notifications"),
    RouterModule("feed", "routes.lists"),
    RouterModule("messaging", "routes.chats"),
    RouterModule("notifications", "routes.push"),
    RouterModule("media", "routes.media"),
    RouterModule("feed", "streaming"),
    RouterModule("posts", "routes.conversations"),
    RouterModule("search", "routes.search"),
    RouterModule("search", "routes.tags"),
    RouterModule("admin", "routes.reports"),
    RouterModule("admin", "routes.admin"),
    RouterModule("analytics", "routes.trends"),
)
assert {r.role for r in ROUTES} <= set(catalogue.ROLES)


def router_of(entry: RouterModule) -> Any:
    return importlib.import_module(f"rookery.workloads.api.{entry.module}").router


def owned_routes() -> Iterator[tuple[str, BaseRoute]]:
    """(role, route) for every route of every role's router, in the monolith's order; the media
    files' mount (a local-disk store's) follows the media router."""
    for entry in ROUTES:
        for route in router_of(entry).routes:
            yield entry.role, route
        if entry.module == "routes.media":
            yield "media", Mount(MEDIA_FILES_PATH, routes=[])


Scope = MutableMapping[str, Any]


class RouteTable:
    """Path template -> role, matched exactly as Starlette's router matches: the first route that
    matches path and method wins; a path that only some route's other methods take goes to that
    route's role (which answers 405); a path only its trailing-slash twin matches goes to the twin's
    role (which redirects)."""

    def __init__(self, routes: Iterable[tuple[str, BaseRoute]]) -> None:
        self.routes = list(routes)
        # the routes a path can match, in order, by its first segments: a template whose first
        # INDEX_DEPTH segments are literal matches only paths that begin with exactly those (a
        # parameter never spans a "/" before a literal one); the rest (mounts, early parameters)
        # can match any path and stay in every list. Lists are built on first use and kept.
        self._wild = [(role, route) for role, route in self.routes if _index_key(route) is None]
        self._keyed: dict[tuple[str, ...], list[tuple[str, BaseRoute]]] = {}
        self._known = {key for _, route in self.routes if (key := _index_key(route)) is not None}

    @classmethod
    def of_roles(cls) -> RouteTable:
        return cls(owned_routes())

    def match(self, scope: Scope) -> tuple[str, BaseRoute] | None:
        found = self._match(scope)
        if found is None and scope["type"] == "http":
            path: str = scope["path"]
            if path != "/":
                twin = path[:-1] if path.endswith("/") else path + "/"
                found = self._match({**scope, "path": twin})
        return found

    def _candidates(self, scope: Scope) -> list[tuple[str, BaseRoute]]:
        if scope.get("root_path"):  # the routes see the path below it: every route is a candidate
            return self.routes
        key = _path_key(scope["path"])
        if key not in self._known:
            return self._wild
        found = self._keyed.get(key)
        if found is None:
            found = self._keyed[key] = [
                (role, route) for role, route in self.routes if _index_key(route) in (None, key)
            ]
        return found

    def _match(self, scope: Scope) -> tuple[str, BaseRoute] | None:
        return self.first(scope, self._candidates(scope))

    @staticmethod
    def first(scope: Scope, routes: Iterable[tuple[str, BaseRoute]]) -> tuple[str, BaseRoute] | None:
        """The first of ``routes`` that matches fully, else the first that matches partially."""
        partial: tuple[str, BaseRoute] | None = None
        for role, route in routes:
            matched, _ = route.matches(scope)
            if matched is Match.FULL:
                return role, route
            if matched is Match.PARTIAL and partial is None:
                partial = (role, route)
        return partial

    def roles(self) -> set[str]:
        return {role for role, _ in self.routes}

    def templates(self, role: str) -> list[str]:
        return [getattr(route, "path", "") for owner, route in self.routes if owner == role]


INDEX_DEPTH = 3  # /api/v1/accounts/...: the first segments that pick a route's group


def _path_key(path: str) -> tuple[str, ...]:
    return tuple(path.split("/", INDEX_DEPTH + 1)[1 : INDEX_DEPTH + 1])


def _index_key(route: BaseRoute) -> tuple[str, ...] | None:
    """A plain route's first INDEX_DEPTH path segments when they are all literal and the template
    goes on past them (or ends there); None for a mount or a template with a parameter among them."""
    if isinstance(route, Mount) or not isinstance(route, (Route, WebSocketRoute)):
        return None
    template: str = route.path
    segments = template.split("/", INDEX_DEPTH + 1)[1 : INDEX_DEPTH + 1]
    if any("{" in segment for segment in segments):
        return None
    return tuple(segments)
