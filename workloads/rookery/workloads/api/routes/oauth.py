"""OAuth 2 endpoints (Mastodon's): apps, the authorize page, token, revoke, discovery and JWKS."""

from __future__ import annotations

import base64
import binascii
import html
import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rookery.workloads.api.deps import (
    Accounts,
    AppSettings,
    AuthContext,
    Keycloak,
    Keys,
    OAuth,
    OptionalPush,
    require_scopes,
    require_user,
)
from rookery.workloads.api.errors import ApiError, NotFound
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.oauth import GRANT_TYPES, OOB_REDIRECT, VALID_SCOPES, OAuthApp, OAuthError
from rookery.workloads.services.oauth import OAuthService
from rookery.workloads.services.push import PushService
from rookery.workloads.settings import Settings
from rookery.workloads.views.accounts import render_account

router = APIRouter(tags=["oauth"])
CSRF_COOKIE = "rookery_csrf"
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")


def _embedded_issuer_only(settings: Settings, *, keycloak_mode_serves: bool = False) -> None:
    """With an external issuer this server signs no tokens: say where to log in. Keycloak mode
    (when the server runs it) serves some of these endpoints by forwarding to Keycloak."""
    issuer = settings.oidc_issuer
    if issuer and not keycloak_mode_serves:
        raise ApiError(400, f"This server uses an external identity provider; sign in at {issuer}")


def _vapid_key(push: PushService | None) -> str:
    """The key Web Push subscriptions are made with ("" without the push service)."""
    return str(push.server_key) if push is not None else ""


def application_entity(app: OAuthApp, *, with_secret: bool, vapid_key: str = "") -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": sorted(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
        "vapid_key": vapid_key,
    }
    if with_secret:
        entity |= {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "client_secret_expires_at": 0,
        }
    return entity


@router.post("/api/v1/apps", summary="Register a client application")
async def create_app(request: Request, oauth: OAuth, push: OptionalPush) -> Response:
    params = await read_params(request)
    redirect = params.raw("redirect_uris")
    if redirect is not None and not isinstance(redirect, str | list):
        raise ApiError(422, "redirect_uris must be a string or a list of strings")
    app = await oauth.register_app(
        params.text("client_name", "", max_length=255) or "",
        params.strings("redirect_uris") if isinstance(redirect, list) else params.text("redirect_uris"),
        params.text("scopes"),
        params.text("website", max_length=2000),
    )
    return JsonResponse(application_entity(app, with_secret=True, vapid_key=_vapid_key(push)))


@router.get("/api/v1/apps/verify_credentials", summary="The application of the token")
async def verify_app(
    request: Request, oauth: OAuth, push: OptionalPush, ctx: AuthContext = Depends(require_scopes())
) -> Response:
    app = await oauth.app(ctx.app_id) if ctx.app_id is not None else None
    if app is None:
        raise NotFound("Application not found")
    return JsonResponse(application_entity(app, with_secret=False, vapid_key=_vapid_key(push)))


# -- the authorize page ------------------------------------------------------------------------


# the web client's look (web/src/styles.css: its colours, light or dark from the system setting)
_PAGE_STYLE = (
    ":root{color-scheme:light dark;--bg:#f4f5f7;--surface:#fff;--text:#1c1e21;--muted:#5b6270;--border:#d9dce1;"
    "--accent:#5b3fd1;--accent-text:#fff;--danger:#b3261e;font-family:system-ui,-apple-system,'Segoe UI',Roboto,"
    "sans-serif;line-height:1.45}@media (prefers-color-scheme:dark){:root{--bg:#15161a;--surface:#1e2026;"
    "--text:#e8e9ed;--muted:#a2a8b5;--border:#343741;--accent:#a393ff;--accent-text:#15161a;--danger:#ff8a80}}"
    "*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text)}"
    "main{max-width:28rem;margin:3rem auto;padding:1.5rem;background:var(--surface);border:1px solid "
    "var(--border);border-radius:10px}h1{font-size:1.4rem;margin-top:0}ul{color:var(--muted)}"
    "label{display:block;font-weight:600}input{display:block;width:100%;margin:.3rem 0 1rem;padding:.55rem;"
    "font:inherit;color:var(--text);background:var(--bg);border:1px solid var(--border);border-radius:8px}"
    "button{font:inherit;font-weight:600;padding:.55rem 1.2rem;margin-right:.5rem;border-radius:999px;"
    "border:1px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer}"
    "button[value=deny],button[name=deny]{background:transparent;color:var(--accent)}"
    "code{font-size:1.2rem;word-break:break-all}.error{color:var(--danger)}"
    "@media (max-width:480px){main{margin:0;border:0;border-radius:0;min-height:100vh}}"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='color-scheme' content='light dark'><style>" + _PAGE_STYLE + "</style></head><body><main>"
        + body
        + "</main></body></html>"
    )
    return HTMLResponse(
        document,
        status_code=status,
        headers={"X-Frame-Options": "DENY", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _login_form(
    app: OAuthApp, fields: dict[str, str], csrf: str, scopes: frozenset[str], error: str = ""
) -> str:
    hidden = "".join(
        f"<input type='hidden' name='{name}' value='{html.escape(value, quote=True)}'>"
        for name, value in fields.items()
        if value
    )
    scope_list = "".join(f"<li>{html.escape(scope)}</li>" for scope in sorted(scopes))
    message = f"<p class='error' role='alert'>{html.escape(error)}</p>" if error else ""
    return (
        f"<h1>Authorize {html.escape(app.name)}</h1>"
        f"<p><b>{html.escape(app.name)}</b> asks for access to your account:</p>"
        f"<ul>{scope_list}</ul>{message}"
        "<form method='post' action='/oauth/authorize'>"
        f"<input type='hidden' name='csrf_token' value='{csrf}'>{hidden}"
        "<label>E-mail or username<input name='username' autocomplete='username' required></label>"
        "<label>Password<input name='password' type='password' autocomplete='current-password' required>"
        "</label>"
        "<button name='decision' value='approve' type='submit'>Authorize</button>"
        "<button name='decision' value='deny' type='submit' formnovalidate>Deny</button></form>"
    )


async def _checked_request(oauth: OAuthService, fields: dict[str, str]) -> tuple[OAuthApp, frozenset[str]]:
    return await oauth.authorization_request(
        fields.get("client_id"),
        fields.get("redirect_uri", ""),
        fields.get("scope"),
        fields.get("code_challenge_method"),
    )


@router.get("/oauth/authorize", summary="Login and consent page (HTML)", response_class=HTMLResponse)
async def authorize_page(request: Request, oauth: OAuth, settings: AppSettings) -> Response:
    _embedded_issuer_only(settings)
    params = await read_params(request)
    if params.text("response_type", "code") != "code":
        raise ApiError(400, "response_type must be code")
    fields = {name: params.text(name, "") or "" for name in AUTHORIZE_FIELDS}
    app, scopes = await _checked_request(oauth, fields)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = _page(f"Authorize {app.name}", _login_form(app, fields, csrf, scopes))
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/oauth")
    return response


@router.post("/oauth/authorize", summary="Submit the login and consent form", include_in_schema=False)
async def authorize_submit(request: Request, oauth: OAuth, accounts: Accounts, settings: AppSettings) -> Response:
    _embedded_issuer_only(settings)
    params = await read_params(request)
    fields = {name: params.text(name, "") or "" for name in AUTHORIZE_FIELDS}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    form_token = params.text("csrf_token", "") or ""
    if not cookie or not secrets.compare_digest(cookie, form_token):
        raise ApiError(403, "Invalid or missing CSRF token; reload the authorization page")
    app, scopes = await _checked_request(oauth, fields)
    redirect_uri = fields["redirect_uri"]
    if params.text("decision", "approve") == "deny":
        if redirect_uri == OOB_REDIRECT:
            return _page("Denied", "<h1>Authorization denied</h1>", 403)
        query = {"error": "access_denied", **({"state": fields["state"]} if fields["state"] else {})}
        return RedirectResponse(_with_query(redirect_uri, query), status_code=302)
    account = await accounts.authenticate(params.text("username", "") or "", params.text("password", "") or "")
    if account is None:
        form = _login_form(app, fields, cookie, scopes, "Invalid e-mail address or password.")
        return _page(f"Authorize {app.name}", form, 401)
    code = await oauth.create_code(
        app,
        account,
        scopes,
        redirect_uri,
        fields["code_challenge"] or None,
        fields["code_challenge_method"] or None,
    )
    if redirect_uri == OOB_REDIRECT:
        body = (
            "<h1>Authorization code</h1><p>Copy this code and paste it into the application:</p>"
            f"<p><code id='authorization-code'>{html.escape(code)}</code></p>"
        )
        return _page("Authorization code", body)
    query = {"code": code, **({"state": fields["state"]} if fields["state"] else {})}
    return RedirectResponse(_with_query(redirect_uri, query), status_code=302)


def _with_query(uri: str, query: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(query)


# -- token and revocation ------------------------------------------------------------------------


def _client_basic_auth(request: Request, fields: dict[str, str]) -> None:
    """client_secret_basic: credentials in the Authorization header instead of the body."""
    value = request.headers.get("authorization", "")
    if not value.lower().startswith("basic "):
        return
    try:
        client_id, _, client_secret = base64.b64decode(value[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "Malformed Basic authorization header") from None
    fields.setdefault("client_id", client_id)
    fields.setdefault("client_secret", client_secret)


@router.post(
    "/oauth/token", summary="Obtain a token (authorization_code, password, client_credentials, refresh)"
)
async def token(request: Request, oauth: OAuth, keycloak: Keycloak, settings: AppSettings) -> Response:
    _embedded_issuer_only(settings, keycloak_mode_serves=keycloak is not None)
    params = await read_params(request)
    fields = {
        name: value
        for name in (
            "grant_type",
            "code",
            "redirect_uri",
            "code_verifier",
            "client_id",
            "client_secret",
            "username",
            "password",
            "scope",
            "refresh_token",
        )
        if (value := params.text(name)) is not None
    }
    if "scope" not in fields and (scopes := params.text("scopes")) is not None:
        fields["scope"] = scopes
    _client_basic_auth(request, fields)
    if keycloak is not None:  # Keycloak mode: Keycloak's token endpoint, Mastodon's answer
        body = await keycloak.token(fields)
        return JsonResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
    grant = await oauth.token(fields)
    return JsonResponse(grant.to_dict(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post("/oauth/revoke", summary="Revoke an access or refresh token")
async def revoke(request: Request, oauth: OAuth) -> Response:
    params = await read_params(request)
    fields = {
        name: value for name in ("client_id", "client_secret") if (value := params.text(name)) is not None
    }
    _client_basic_auth(request, fields)
    token_value = params.text("token")
    if not token_value:
        raise OAuthError("invalid_request", "token is required")
    await oauth.revoke(token_value, fields.get("client_id"), fields.get("client_secret"))
    return JsonResponse({})


@router.get("/oauth/userinfo", summary="OpenID Connect UserInfo (profile scope)")
async def userinfo(
    request: Request, settings: AppSettings, accounts: Accounts, ctx: AuthContext = Depends(require_user("profile"))
) -> Response:
    """Who the token's user is, as Mastodon 4.4 answers: issuer, subject (the account's URI), names,
    profile page and avatar."""
    account = await accounts.get(ctx.user_id)
    if account is None:
        raise NotFound()
    entity = render_account(account, settings.base_url)
    body = {
        "iss": settings.base_url,
        "sub": entity["uri"],
        "name": entity["display_name"] or account.username,
        "preferred_username": account.username,
        "profile": entity["url"],
        "picture": entity["avatar"],
    }
    return JsonResponse(body, headers={"Cache-Control": "no-store"})


router.add_api_route(  # OIDC lets clients POST it too
    "/oauth/userinfo",
    userinfo,
    methods=["POST"],
    summary="OpenID Connect UserInfo (POST)",
    operation_id="userinfo_post",
)


# -- discovery -------------------------------------------------------------------------------------


@router.get("/.well-known/jwks.json", summary="The embedded issuer's public signing keys")
async def jwks(request: Request, keys: Keys) -> Response:
    if keys is None:
        raise NotFound("This instance uses an external OIDC issuer")
    return JsonResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


def _server_metadata(base: str) -> dict[str, Any]:
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": sorted(VALID_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "code_challenge_methods_supported": ["S256", "plain"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "service_documentation": f"{base}/docs",
    }


@router.get("/.well-known/openid-configuration", summary="OIDC discovery document")
async def openid_configuration(request: Request, settings: AppSettings) -> Response:
    issuer = settings.oidc_issuer
    if issuer:  # the identity provider's own document
        return RedirectResponse(f"{issuer.rstrip('/')}/.well-known/openid-configuration", status_code=302)
    return JsonResponse(_server_metadata(settings.base_url))


@router.get("/.well-known/oauth-authorization-server", summary="RFC 8414 server metadata")
async def oauth_server_metadata(request: Request, settings: AppSettings) -> Response:
    _embedded_issuer_only(settings)
    return JsonResponse(_server_metadata(settings.base_url))
