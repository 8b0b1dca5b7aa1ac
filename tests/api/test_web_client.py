"""The web client at / (api/webclient.py): hashed assets cached for a year, index.html for client
routes, the server's own paths untouched; and the public pages' server-rendered head (title,
description, OpenGraph) for /@user and /@user/:id, with nothing private rendered there.

A small stand-in build (index.html + one hashed asset) in a temporary ROOKERY_WEB_DIR keeps these
tests independent of Node.js; the browser tests use the real build."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import AsyncIterator, Callable

import pytest
from api_support import Api
from social_support import post

from rookery.workloads.api.webclient import is_server_path

INDEX = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>Rookery</title></head>'
    '<body><div id="app"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>'
)


@pytest.fixture
def web_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('rookery')")
    (dist / "robots.txt").write_text("User-agent: *\n")
    (tmp_path / "secret.txt").write_text("outside the build")
    return dist


@pytest.fixture
async def web(app_factory: Callable[..., contextlib.AbstractAsyncContextManager[Api]], web_dir: pathlib.Path
) -> AsyncIterator[Api]:  # fmt: skip
    async with app_factory(web_dir=web_dir) as built:
        yield built


async def test_client_routes_answer_index_html_and_assets_are_cached_for_good(web: Api) -> None:
    for path in ("/", "/home", "/notifications", "/chats/12", "/settings", "/oauth-callback", "/signup"):
        page = await web.client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert page.headers["content-type"].startswith("text/html") and '<div id="app">' in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in page.headers["content-security-policy"]
    asset = await web.client.get("/assets/index-abc123.js")
    assert asset.status_code == 200 and asset.text == "console.log('rookery')"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in asset.headers["content-type"]
    head = await web.client.head("/assets/index-abc123.js")
    assert head.status_code == 200 and head.content == b""
    robots = await web.client.get("/robots.txt")
    assert robots.status_code == 200 and robots.text.startswith("User-agent")
    # a missing asset is a 404, not the page; nothing outside the build is served
    assert (await web.client.get("/assets/index-gone.js")).status_code == 404
    traversal = await web.client.get("/assets/%2e%2e/%2e%2e/secret.txt")
    assert traversal.status_code == 404 and "outside the build" not in traversal.text


async def test_the_servers_own_paths_are_untouched(web: Api) -> None:
    unknown = await web.client.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json() == {"error": "Not Found"}
    assert (await web.client.get("/healthz")).json() == {"status": "ok"}
    instance = await web.client.get("/api/v1/instance")
    assert instance.status_code == 200 and instance.json()["uri"]
    # other methods on client paths are not the client's
    assert (await web.client.post("/home")).status_code in (404, 405)
    authorize = await web.client.get("/oauth/authorize", params={"response_type": "code"})
    assert '<div id="app">' not in authorize.text


def test_every_route_of_the_app_is_a_server_path() -> None:
    from rookery.workloads.api.roles import ROUTES, router_of

    paths = [getattr(route, "path", "") for entry in ROUTES for route in router_of(entry).routes]
    assert paths and all(is_server_path(path) for path in paths), [p for p in paths if not is_server_path(p)]
    assert not any(is_server_path(path) for path in ("/", "/home", "/@ada", "/@ada/1", "/tags/x", "/assets/a.js"))


async def test_public_profile_and_post_pages_carry_title_description_and_opengraph(web: Api) -> None:
    ada = await web.make_user("ada")
    updated = await web.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=ada.headers,
        data={"display_name": 'A "<script>x()</script>"', "note": "Counts <b>engines</b> & tides"},
    )
    assert updated.status_code == 200, updated.text
    profile = await web.client.get("/@ada")
    assert profile.status_code == 200, profile.text
    page = profile.text
    assert "<title>A &quot;&lt;script&gt;x()&lt;/script&gt;&quot; (@ada)</title>" in page
    # the bio is text (its "<b>" too), escaped into the attribute
    assert '<meta name="description" content="Counts &lt;b&gt;engines&lt;/b&gt; &amp; tides" />' in page
    assert '<meta property="og:type" content="profile" />' in page
    assert '<meta property="og:url" content="' in page and '<meta property="og:image" content="' in page
    assert "<script>x()" not in page and '<div id="app">' in page

    public = await post(web, ada, "Tide tables for Thursday\n\nand Friday", visibility="public")
    page = (await web.client.get(f"/@ada/{public['id']}")).text
    assert '<meta property="og:description" content="Tide tables for Thursday and Friday" />' in page
    assert '<meta property="og:type" content="article" />' in page
    assert f'<meta property="og:url" content="{public["url"]}" />' in page
    warned = await post(web, ada, "the spoiler itself", spoiler_text="Ending of the book")
    page = (await web.client.get(f"/@ada/{warned['id']}")).text
    assert 'content="Ending of the book"' in page and "the spoiler itself" not in page


async def test_nothing_private_is_rendered_on_public_pages(web: Api) -> None:
    ada, bob = await web.make_user("ada"), await web.make_user("bob")
    for visibility in ("private", "direct"):
        hidden = await post(web, ada, f"only for some eyes @bob ({visibility})", visibility=visibility)
        page = await web.client.get(f"/@ada/{hidden['id']}")
        assert page.status_code == 404 and "only for some eyes" not in page.text
    public = await post(web, ada, "out in the open")
    # a post under another account's path, an unknown account, an unknown post: 404
    assert (await web.client.get(f"/@bob/{public['id']}")).status_code == 404
    assert (await web.client.get("/@nobody")).status_code == 404
    assert (await web.client.get("/@ada/999999999")).status_code == 404

    mod = await web.make_user("mod", scopes="read write follow push admin:read admin:write", role="moderator")
    acted = await web.client.post(
        f"/api/v1/admin/accounts/{bob.id}/action", headers=mod.headers, json={"type": "suspend"}
    )
    assert acted.status_code == 200, acted.text
    bobs_page = await web.client.get("/@bob")
    assert bobs_page.status_code == 404 and "(@bob)" not in bobs_page.text


async def test_without_a_build_the_root_says_how_to_get_one(
    app_factory: Callable[..., contextlib.AbstractAsyncContextManager[Api]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rookery.workloads.api import webclient

    monkeypatch.setattr(webclient, "locate", lambda settings: None)  # a wheel or checkout without a build
    async with app_factory() as built:
        root = await built.client.get("/")
        assert root.status_code == 200 and "npm run build" in root.text
        assert (await built.client.get("/home")).status_code == 404
        assert (await built.client.get("/healthz")).status_code == 200
