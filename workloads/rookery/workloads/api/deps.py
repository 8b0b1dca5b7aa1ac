"""Request dependencies: who is calling, and may they.

Every route declares its access with one of these (FastAPI ``Depends``):

    ctx: AuthContext = Depends(require_scopes("read:statuses"))
        any valid token (user or app-only) holding one of the listed scopes
        (Mastodon semantics: ``read`` satisfies ``read:statuses``; ``follow`` satisfies
        ``read:follows``/``write:follows``/blocks/mutes; no scopes listed = any valid token).
    ctx: AuthContext = Depends(require_user("write:statuses"))
        same, and the token must belong to a user: ``ctx.account_id`` is set (use ``ctx.user_id``
        for an ``int``). An app-only token gets 422 "This method requires an authenticated user".
    ctx: AuthContext | None = Depends(optional_auth)
        public endpoints: None without a token; a token that is sent must still be valid.

Failures (Mastodon's bodies):
    no/invalid/expired/revoked/forged token  -> 401 {"error": "The access token is invalid"}
    token lacks every listed scope           -> 403 {"error": "This action is outside the authorized scopes"}
    app-only token on a user endpoint        -> 422 {"error": "This method requires an authenticated user"}
    token of a suspended account             -> 403 {"error": "Your login is currently disabled"}

The gateway middleware validates the bearer token once per request and leaves the outcome in
``scope["state"]["rookery.auth"]``; these dependencies reuse it (or validate themselves when the
app runs without the gateway).

Services, ports and settings reach routes as typed dependencies, never through the Container:

    async def route(posts: Posts, views: StatusViewsDep, ctx: AuthContext = Depends(...)) -> ...

Each ``Annotated`` alias below names one service; its accessor (``posts_service``, ...) is an
``async def`` (FastAPI would run a plain ``def`` in a thread pool) and the one place the API reads
the Container. The accessors take only the ``Request``, so they add no OpenAPI parameters; the
fast path (api/fastpath.py) awaits them directly.
The token comes from ``Authorization: Bearer`` or, like Mastodon, an ``access_token`` query
parameter. WebSockets (which the gateway does not see): ``await websocket_auth(ws, "read")``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request, WebSocket
from starlette.requests import HTTPConnection

from rookery.workloads.api.errors import ApiError, Forbidden, NotFound
from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.ports.accounts import MarkerStore, SigningKeys
from rookery.workloads.ports.events import EventBus, Outbox
from rookery.workloads.services.accounts import AccountsService
from rookery.workloads.services.analytics import AnalyticsService
from rookery.workloads.services.conversations import ConversationsService
from rookery.workloads.services.feed import FeedService
from rookery.workloads.services.filters import FiltersService
from rookery.workloads.services.graph import GraphService
from rookery.workloads.services.instance import InstanceContent
from rookery.workloads.services.interactions import InteractionsService
from rookery.workloads.services.keycloak_mode import KeycloakMode
from rookery.workloads.services.lists import ListsService
from rookery.workloads.services.media import MediaService
from rookery.workloads.services.messaging import MessagingService
from rookery.workloads.services.moderation import ModerationService
from rookery.workloads.services.notifications import NotificationsService
from rookery.workloads.services.oauth import OAuthService
from rookery.workloads.services.polls import PollsService
from rookery.workloads.services.posts import PostsService
from rookery.workloads.services.push import PushService
from rookery.workloads.services.scheduled import ScheduledStatusesService
from rookery.workloads.services.search import SearchService
from rookery.workloads.services.streaming import StreamHub
from rookery.workloads.services.tokens import AccountDisabled, InvalidToken, TokenValidator
from rookery.workloads.settings import Settings
from rookery.workloads.views.accounts import AccountViews
from rookery.workloads.views.conversations import ConversationViews
from rookery.workloads.views.statuses import StatusViews

if TYPE_CHECKING:
    from rookery.workloads.bootstrap import Container

__all__ = [
    "AuthContext",
    "bearer_token",
    "container",
    "optional_auth",
    "require_scopes",
    "require_user",
    "websocket_auth",
]

T = TypeVar("T")
STATE_KEY = "rookery.auth"
INVALID_TOKEN = "The access token is invalid"
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
USER_REQUIRED = "This method requires an authenticated user"
ACCOUNT_DISABLED = "Your login is currently disabled"
_INVALID_HEADERS = {
    "WWW-Authenticate": 'Bearer error="invalid_token", error_description="The access token is invalid"'
}


def _role(part: T | None) -> T:
    """A role's part of the container (``_role(container(request).social).posts``); a route of a
    role this process lacks is never mounted, so None here is a bug (500)."""
    if part is None:
        raise LookupError("that role is not in this process")
    return part


def container(connection: HTTPConnection) -> Container:
    # the app's own attribute (api/app.py's RookeryApi): through ``app.state`` each lookup was a failed
    # attribute lookup and then Starlette's ``__getattr__``, ~3 µs, asked several times a request
    found: Container = connection.scope["app"].container
    return found


# ---- services, ports and settings ------------------------------------------------------------


def settings_of(connection: HTTPConnection) -> Settings:
    """The settings, for code that has the request or socket but is no route (Link headers, streaming)."""
    return container(connection).settings


def streaming_hub_of(connection: HTTPConnection) -> StreamHub | None:
    """The streaming role's hub, None where this process does not run it."""
    return container(connection).streaming_hub


async def app_settings(request: Request) -> Settings:
    return container(request).settings


async def accounts_service(request: Request) -> AccountsService:
    return _role(container(request).accounts).service


async def account_views(request: Request) -> AccountViews:
    return _role(container(request).accounts).views


async def status_views(request: Request) -> StatusViews:
    return _role(container(request).social).status_views


async def posts_status_views(request: Request) -> StatusViews | None:
    """Status entities where this process runs the posts role (search answers statuses only
    then), else None."""
    social = container(request).social
    return social.status_views if social is not None else None


async def conversation_views(request: Request) -> ConversationViews:
    return _role(container(request).conversations).views


async def oauth_service(request: Request) -> OAuthService:
    return _role(container(request).accounts).oauth


async def keycloak_mode(request: Request) -> KeycloakMode | None:
    """Keycloak mode's sign-up and logout, when the server runs it (else None)."""
    return role.keycloak if (role := container(request).accounts) else None


async def posts_service(request: Request) -> PostsService:
    return _role(container(request).social).posts


async def polls_service(request: Request) -> PollsService:
    service = _role(container(request).social).polls
    if service is None:
        raise NotFound()
    return service


async def filters_service(request: Request) -> FiltersService:
    service = _role(container(request).social).filters
    if service is None:
        raise NotFound()
    return service


async def scheduled_service(request: Request) -> ScheduledStatusesService:
    service = _role(container(request).social).scheduled
    if service is None:
        raise NotFound()
    return service


async def interactions_service(request: Request) -> InteractionsService:
    return _role(container(request).social).interactions


async def graph_service(request: Request) -> GraphService:
    return _role(container(request).social).graph


async def feed_service(request: Request) -> FeedService:
    return _role(container(request).social).feed


async def notifications_service(request: Request) -> NotificationsService:
    return _role(container(request).social).notifications


async def conversations_service(request: Request) -> ConversationsService:
    return _role(container(request).conversations).service


async def lists_service(request: Request) -> ListsService:
    return _role(container(request).lists).service


async def media_service(request: Request) -> MediaService:
    return _role(container(request).media).service


async def optional_media_service(request: Request) -> MediaService | None:
    """The media role's service where this server runs it (profile images use it), else None."""
    return role.service if (role := container(request).media) else None


async def messaging_service(request: Request) -> MessagingService:
    return _role(container(request).messaging).service


async def push_service(request: Request) -> PushService:
    return _role(container(request).push).service


async def optional_push_service(request: Request) -> PushService | None:
    return role.service if (role := container(request).push) else None


async def search_service(request: Request) -> SearchService:
    return _role(container(request).search).service


async def optional_search_service(request: Request) -> SearchService | None:
    """The search role's index where this server runs it, else None (accounts fall back to SQL)."""
    return role.service if (role := container(request).search) else None


async def moderation_service(request: Request) -> ModerationService:
    return _role(container(request).admin).moderation


async def analytics_service(request: Request) -> AnalyticsService:
    return _role(container(request).admin).analytics


async def instance_content(request: Request) -> InstanceContent:
    role = _role(container(request).accounts)
    if role.instance is None:
        raise NotFound("This server keeps no instance content")
    return role.instance


async def marker_store(request: Request) -> MarkerStore:
    return _role(container(request).accounts).markers


async def signing_keys(request: Request) -> SigningKeys | None:
    return container(request).infra.signing_keys


async def outboxes(request: Request) -> list[Outbox]:
    """The outboxes whose backlog the admin dashboard counts (one per store that has one)."""
    events = container(request).events
    return list(events.outboxes) if events is not None else []


async def event_bus(request: Request) -> EventBus | None:
    return container(request).bus


AppSettings = Annotated[Settings, Depends(app_settings)]
Accounts = Annotated[AccountsService, Depends(accounts_service)]
AccountViewsDep = Annotated[AccountViews, Depends(account_views)]
StatusViewsDep = Annotated[StatusViews, Depends(status_views)]
PostsStatusViews = Annotated[StatusViews | None, Depends(posts_status_views)]
ConversationViewsDep = Annotated[ConversationViews, Depends(conversation_views)]
OAuth = Annotated[OAuthService, Depends(oauth_service)]
Keycloak = Annotated[KeycloakMode | None, Depends(keycloak_mode)]
Posts = Annotated[PostsService, Depends(posts_service)]
Interactions = Annotated[InteractionsService, Depends(interactions_service)]
Polls = Annotated[PollsService, Depends(polls_service)]
Filters = Annotated[FiltersService, Depends(filters_service)]
Scheduled = Annotated[ScheduledStatusesService, Depends(scheduled_service)]
Graph = Annotated[GraphService, Depends(graph_service)]
Feed = Annotated[FeedService, Depends(feed_service)]
Notifications = Annotated[NotificationsService, Depends(notifications_service)]
Conversations = Annotated[ConversationsService, Depends(conversations_service)]
Lists = Annotated[ListsService, Depends(lists_service)]
Media = Annotated[MediaService, Depends(media_service)]
OptionalMedia = Annotated[MediaService | None, Depends(optional_media_service)]
Messaging = Annotated[MessagingService, Depends(messaging_service)]
Push = Annotated[PushService, Depends(push_service)]
OptionalPush = Annotated[PushService | None, Depends(optional_push_service)]
Search = Annotated[SearchService, Depends(search_service)]
OptionalSearch = Annotated[SearchService | None, Depends(optional_search_service)]
Moderation = Annotated[ModerationService, Depends(moderation_service)]
Analytics = Annotated[AnalyticsService, Depends(analytics_service)]
Markers = Annotated[MarkerStore, Depends(marker_store)]
InstanceContents = Annotated[InstanceContent, Depends(instance_content)]
Keys = Annotated[SigningKeys | None, Depends(signing_keys)]
Outboxes = Annotated[list[Outbox], Depends(outboxes)]
Bus = Annotated[EventBus | None, Depends(event_bus)]


def token_validator(connection: HTTPConnection) -> TokenValidator:
    """The token validator, for the auth dependencies and the streaming connections."""
    return container(connection).tokens


def bearer_token(headers: Any, query_string: bytes = b"") -> str | None:
    """The request's token: ``Authorization: Bearer`` (case-insensitive scheme), else an
    ``access_token`` query parameter (Mastodon accepts it; streaming clients use it)."""
    value = headers.get("authorization")
    if value:
        scheme, _, token = value.partition(" ")
        token = token.strip()
        return token if scheme.lower() == "bearer" and token else None
    if b"access_token=" not in query_string:
        return None
    if b"%" in query_string or b"+" in query_string:  # escapes: the full parse
        for key, found in urllib.parse.parse_qsl(query_string.decode("latin-1")):
            if key == "access_token" and found:
                return found
        return None
    # none (a token is URL-safe): sliced out, as the parse would find it (the first non-empty one),
    # without splitting a query that may be longer than the token (~900 bytes for a JWT)
    start = 0
    while (at := query_string.find(b"access_token=", start)) != -1:
        start = at + len(b"access_token=")
        if at == 0 or query_string[at - 1] == AMPERSAND:  # the name of a parameter, not a name's end
            end = query_string.find(b"&", start)
            value = query_string[start:] if end == -1 else query_string[start:end]
            if value:
                return value.decode("latin-1")
    return None


AMPERSAND = ord("&")


async def resolve_auth(validator: TokenValidator, token: str | None) -> AuthContext | InvalidToken | None:
    if token is None:
        return None
    try:
        return validator.kept(token) or await validator.verified(token)  # a known token: no await
    except InvalidToken as exc:
        return exc


async def _auth(request: Request) -> AuthContext | None:
    state = request.scope.setdefault("state", {})
    if STATE_KEY in state:
        outcome = state[STATE_KEY]
    else:
        validator = token_validator(request)
        outcome = await resolve_auth(
            validator, bearer_token(request.headers, request.scope.get("query_string", b""))
        )
        state[STATE_KEY] = outcome
    if isinstance(outcome, AccountDisabled):
        raise ApiError(403, ACCOUNT_DISABLED)
    if isinstance(outcome, InvalidToken):
        raise ApiError(401, INVALID_TOKEN, _INVALID_HEADERS)
    return outcome


async def optional_auth(request: Request) -> AuthContext | None:
    return await _auth(request)


def require_scopes(*scopes: str) -> Callable[[Request], Awaitable[AuthContext]]:
    async def dependency(request: Request) -> AuthContext:
        ctx = await _auth(request)
        if ctx is None:
            raise ApiError(401, INVALID_TOKEN, _INVALID_HEADERS)
        if not ctx.allows(*scopes):
            raise ApiError(403, OUTSIDE_SCOPES)
        return ctx

    return dependency


def require_user(*scopes: str) -> Callable[[Request], Awaitable[AuthContext]]:
    check = require_scopes(*scopes)

    async def dependency(request: Request) -> AuthContext:
        ctx = await check(request)
        if ctx.account_id is None:
            raise ApiError(422, USER_REQUIRED)
        return ctx

    return dependency


async def reader(ctx: AuthContext | None = Depends(optional_auth)) -> int | None:
    """The viewer of a public read: None without a token; a token must allow reading statuses."""
    if ctx is None:
        return None
    if not ctx.allows("read:statuses"):
        raise Forbidden(OUTSIDE_SCOPES)
    return ctx.account_id


OptionalAuth = Annotated[AuthContext | None, Depends(optional_auth)]
Reader = Annotated[int | None, Depends(reader)]


async def websocket_auth(websocket: WebSocket, *scopes: str) -> AuthContext | None:
    """Who opened a streaming socket: the token from the Authorization header, the
    ``access_token`` query parameter or the ``Sec-WebSocket-Protocol`` header (Mastodon's three
    ways). None without a token; ApiError 401/403 for a bad token or missing scope (close the
    socket with code 1008 on it)."""
    validator = token_validator(websocket)
    token = bearer_token(websocket.headers, websocket.scope.get("query_string", b""))
    token = token or websocket.headers.get("sec-websocket-protocol") or None
    if token is None:
        return None
    outcome = await resolve_auth(validator, token)
    if isinstance(outcome, AccountDisabled):
        raise ApiError(403, ACCOUNT_DISABLED)
    if isinstance(outcome, InvalidToken) or outcome is None:
        raise ApiError(401, INVALID_TOKEN)
    if not outcome.allows(*scopes):
        raise ApiError(403, OUTSIDE_SCOPES)
    return outcome
