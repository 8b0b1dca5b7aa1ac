"""Mastodon.py, unchanged, against a real `rookery up` process: statuses, reblogs, favourites,
the home timeline with fetch_next / fetch_previous, notifications, and events across a restart."""

from __future__ import annotations

import functools

import compat_support
import pytest
from live_support import LiveServer
from mastodon import Mastodon, MastodonNotFoundError

from e2e import waiting

SCOPES = ["read", "write", "follow"]


@pytest.fixture(scope="module")
def users(live_server: LiveServer) -> dict[str, Mastodon]:
    made = compat_support.users(live_server, "rookery-compat-social", SCOPES, "ana", "ben")
    made["ben"].account_follow(made["ana"].me().id)
    return made


eventually = functools.partial(waiting.eventually, timeout_s=10.0, interval_s=0.05, message="condition not met in time")


def test_post_read_reply_delete(users: dict[str, Mastodon]) -> None:
    ana, ben = users["ana"], users["ben"]
    status = ana.status_post("Hello from Mastodon.py #compat", spoiler_text="greeting", language="en")
    assert status.spoiler_text == "greeting" and status.sensitive is True and status.language == "en"
    assert status.account.username == "ana" and status.tags[0].name == "compat"
    reply = ben.status_reply(status, "hi back")
    assert reply.in_reply_to_id == status.id and "@ana" in reply.content  # status_reply mentions the author
    context = ana.status_context(status.id)
    assert [s.id for s in context.descendants] == [reply.id]
    edited = ana.status_update(status.id, "Hello, edited")
    assert edited.edited_at is not None
    assert len(ana.status_history(status.id)) == 2
    deleted = ben.status_delete(reply.id)
    assert deleted.text.startswith("@ana")
    with pytest.raises(MastodonNotFoundError):
        ben.status(reply.id)


def test_reblog_favourite_bookmark(users: dict[str, Mastodon]) -> None:
    ana, ben = users["ana"], users["ben"]
    status = ana.status_post("share this")
    reblog = ben.status_reblog(status.id)
    assert reblog.reblog.id == status.id and reblog.reblogged is True
    faved = ben.status_favourite(status.id)
    assert faved.favourited is True and faved.favourites_count == 1
    assert ben.status_bookmark(status.id).bookmarked is True
    assert [a.username for a in ana.status_favourited_by(status.id)] == ["ben"]
    assert [a.username for a in ana.status_reblogged_by(status.id)] == ["ben"]
    assert status.id in [s.id for s in ben.favourites()]
    assert status.id in [s.id for s in ben.bookmarks()]
    assert ben.status_unreblog(status.id).reblogged is False
    assert ben.status_unfavourite(status.id).favourited is False


def test_home_timeline_pages_with_fetch_next(users: dict[str, Mastodon]) -> None:
    ana, ben = users["ana"], users["ben"]
    posted = [ana.status_post(f"page me {i}").id for i in range(7)]
    eventually(lambda: posted[-1] in [s.id for s in ben.timeline_home(limit=1)])
    first = ben.timeline_home(limit=3)
    assert [s.id for s in first] == posted[::-1][:3]
    second = ben.fetch_next(first)
    assert [s.id for s in second] == posted[::-1][3:6]
    back = ben.fetch_previous(second)
    assert [s.id for s in back] == posted[::-1][:3]
    everything = ben.fetch_remaining(first)
    assert set(posted) <= {s.id for s in everything}


def test_notifications(users: dict[str, Mastodon]) -> None:
    ana, ben = users["ana"], users["ben"]
    status = ana.status_post("notify me")
    ben.status_favourite(status.id)
    ben.status_post(f"@ana ping {status.id}")
    got = eventually(
        lambda: [n for n in ana.notifications(types=["mention", "favourite"]) if n.type == "mention"]
    )
    mention = got[0]
    assert mention.account.username == "ben" and "ping" in mention.status.content
    follows = ana.notifications(types=["follow"])
    assert [n.account.username for n in follows] == ["ben"]
    assert ana.notifications(id=mention.id).id == mention.id
    ana.notifications_dismiss(mention.id)
    assert mention.id not in [n.id for n in ana.notifications()]
    ana.notifications_clear()
    assert ana.notifications() == []


def test_posts_committed_before_a_restart_reach_followers(
    live_server: LiveServer, users: dict[str, Mastodon]
) -> None:
    ana, ben = users["ana"], users["ben"]
    posted = [ana.status_post(f"just before the restart {i}").id for i in range(3)]
    live_server.restart()
    timeline = eventually(lambda: {s.id for s in ben.timeline_home(limit=40)} >= set(posted) and True)
    assert timeline
    assert ana.status(posted[0]).content == "<p>just before the restart 0</p>"
