"""Mastodon.py, unchanged, against a real `rookery up` process: reports, the admin API (queue,
account actions, measures) and trends."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from compat_support import PASSWORD, cli_admin, create_app
from live_support import LiveServer
from mastodon import Mastodon, MastodonAPIError

from e2e.waiting import eventually

SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


wait_for = functools.partial(eventually, timeout_s=15.0, interval_s=0.1, message="condition not met in time")


@pytest.fixture(scope="module")
def creds(live_server: LiveServer) -> tuple[str, str]:
    return create_app(live_server, "rookery-moderation", SCOPES)


def user(live_server: LiveServer, creds: tuple[str, str], name: str) -> Mastodon:
    api = Mastodon(client_id=creds[0], client_secret=creds[1], api_base_url=live_server.url)
    token = api.create_account(name, PASSWORD, f"{name}@example.org", agreement=True, scopes=SCOPES)
    return Mastodon(
        client_id=creds[0], client_secret=creds[1], access_token=token, api_base_url=live_server.url
    )


@pytest.fixture(scope="module")
def moderator(live_server: LiveServer, creds: tuple[str, str]) -> Mastodon:
    cli_admin(live_server, "boss")
    api = Mastodon(client_id=creds[0], client_secret=creds[1], api_base_url=live_server.url)
    api.log_in("boss@example.org", PASSWORD, scopes=SCOPES, allow_http=True)
    return api


def test_report_queue_and_account_actions(
    live_server: LiveServer, creds: tuple[str, str], moderator: Mastodon
) -> None:
    reporter, target = user(live_server, creds, "reporter"), user(live_server, creds, "target")
    target_id = target.me().id
    status = target.status_post("buy followers here")
    report = reporter.report(target_id, [status.id], comment="spam", category="spam")
    assert report.category == "spam" and report.target_account.id == target_id

    queue = moderator.admin_reports()
    mine = [r for r in queue if r.id == report.id]
    assert mine and mine[0].target_account.account.username == "target"
    assert [s.id for s in mine[0].statuses] == [status.id]
    assert moderator.admin_report_assign(report.id).assigned_account.id == moderator.me().id
    assert moderator.admin_report_resolve(report.id).action_taken is True
    assert report.id not in [r.id for r in moderator.admin_reports()]
    assert moderator.admin_report_reopen(report.id).action_taken is False

    moderator.admin_account_moderate(target_id, action="suspend", report_id=report.id)
    assert moderator.admin_account(target_id).suspended is True
    assert target_id in [a["id"] for a in moderator.admin_accounts(status="suspended")]  # plain dicts here
    with pytest.raises(MastodonAPIError):
        target.status_post("am I still here?")
    assert moderator.admin_account_unsuspend(target_id).suspended is False
    target.status_post("back again")
    with pytest.raises(MastodonAPIError):
        reporter.admin_reports()  # not staff


def test_trends_and_measures(live_server: LiveServer, creds: tuple[str, str], moderator: Mastodon) -> None:
    posters = [user(live_server, creds, f"poster{i}") for i in range(3)]
    for api in posters:
        api.status_post("loving #compattrend today")
    wait_for(lambda: "compattrend" in [t.name for t in moderator.trending_tags()])
    assert moderator.trending_links() == []
    today = dt.datetime.now(dt.UTC)
    measures = moderator.admin_measures(
        today - dt.timedelta(days=1), today, new_users=True, interactions=True
    )
    by_key = {m.key: m for m in measures}
    assert int(by_key["new_users"].total) >= 3
    assert len(by_key["interactions"].data) == 2
