"""Mastodon.py, unchanged, reads what a Rookery instance says about itself: rules, extended
description, terms of service, activity, peers, NodeInfo, OAuth server metadata and userinfo,
and counts that move; content written with `rookery admin`. Both modes: `rookery up`, and
`rookery serve --role all` on the real PostgreSQL, Redis, Kafka and Cassandra."""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any

import pytest
from compat_support import PASSWORD, cli, cli_admin, create_app, signed_up
from mastodon import Mastodon, MastodonNotFoundError

SCOPES = ["read", "write", "follow", "profile"]


@pytest.fixture(scope="module")
def writer(server: Any) -> Mastodon:
    """A signed-up user with the profile scope, who has posted twice."""
    api = signed_up(server, create_app(server, "instance-compat", SCOPES), "wren", SCOPES)
    api.status_post("one")
    api.status_post("two")
    return api


def test_rules_documents_and_terms_written_by_the_admin(server: Any, tmp_path: pathlib.Path) -> None:
    api = Mastodon(api_base_url=server.url)
    with pytest.raises(MastodonNotFoundError):
        api.instance_terms_of_service()
    cli_admin(server, "boss")
    cli(server, "admin", "add-rule", "Be kind", "--hint", "No dogpiling.")
    terms = tmp_path / "terms.txt"
    terms.write_text("Be nice here.")
    cli(server, "admin", "set-document", "terms_of_service", "--file", str(terms), "--effective-date", "2026-03-01")
    rules = api.instance_rules()
    assert [(r.text, r.hint) for r in rules] == [("Be kind", "No dogpiling.")]
    assert [r.text for r in api.instance_v2().rules] == ["Be kind"]
    described = api.instance_extended_description()
    assert described.content.startswith("<p>") and described.updated_at is not None
    current = api.instance_terms_of_service()
    assert current.content == "<p>Be nice here.</p>\n" and current.effective is True
    assert api.instance_terms_of_service(dt.date(2026, 3, 1)).content == current.content
    # an admin's token writes through the API too
    boss = Mastodon(*create_app(server, "boss-app", ["read", "write", "admin:read", "admin:write"]),
                    api_base_url=server.url)  # fmt: skip
    boss.log_in("boss@example.org", PASSWORD, scopes=["read", "write", "admin:read", "admin:write"], allow_http=True)
    response = boss.session.post(f"{server.url}/api/v1/admin/rules", data={"text": "No spam"},
                                 headers={"Authorization": f"Bearer {boss.access_token}"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert [r.text for r in api.instance_rules()] == ["Be kind", "No spam"]


def test_counts_activity_peers_and_nodeinfo(server: Any, writer: Mastodon) -> None:
    api = Mastodon(api_base_url=server.url)
    stats = api.instance_v1().stats
    assert stats.user_count >= 1 and stats.status_count >= 2
    assert api.instance_v2().usage.users.active_month >= 1
    weeks = api.instance_activity()
    assert len(weeks) == 12 and all(week.week <= dt.datetime.now(dt.UTC) for week in weeks)
    assert api.instance_peers() == []
    info = api.instance_nodeinfo()
    assert info.software.name == "rookery" and info.usage.users.total == stats.user_count
    assert info.usage.localPosts == stats.status_count
    assert api.instance_nodeinfo("http://nodeinfo.diaspora.software/ns/schema/2.1").version == "2.1"


def test_oauth_metadata_names_userinfo(server: Any, writer: Mastodon) -> None:
    """(oauth_userinfo() itself insists on https: tests/compat/test_behind_tls_proxy.py calls it.)"""
    metadata = writer.oauth_authorization_server_info()
    assert metadata.userinfo_endpoint == f"{server.url}/oauth/userinfo"
    assert metadata.token_endpoint == f"{server.url}/oauth/token"
