"""Mastodon.py, unchanged, against a real `rookery up` process: filters v2 (create_filter_v2 with
keywords, the warn and hide actions on the home timeline and on notifications, update, keywords
and statuses of a filter, delete), the v1 filter calls, and scheduled statuses (status_post with
scheduled_at, scheduled_statuses, scheduled_status_update, scheduled_status_delete, and the status
published when due with its media). Statuses may be scheduled two seconds ahead here
(ROOKERY_SCHEDULED_STATUS_MIN_LEAD_S) so publishing is seen. Both modes: `rookery up`, and
`rookery serve --role all` on the real PostgreSQL, Redis, Kafka and Cassandra."""

from __future__ import annotations

import datetime as dt
import functools
import io
from typing import Any

import compat_support
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError
from PIL import Image

from e2e import waiting

SCOPES = ["read", "write", "follow"]
eventually = functools.partial(waiting.eventually, timeout_s=20.0, interval_s=0.1, message="condition not met in time")


SERVER_SETTINGS = {"ROOKERY_SCHEDULED_STATUS_MIN_LEAD_S": "2", "ROOKERY_SCHEDULED_STATUS_INTERVAL_S": "0.2"}


@pytest.fixture(scope="module")
def users(server: Any) -> dict[str, Mastodon]:
    made = compat_support.users(server, "rookery-compat-filters", SCOPES, "ana", "ben")
    made["ana"].account_follow(made["ben"].me().id)
    return made


def test_filter_actions_on_home_and_notifications(users: dict[str, Mastodon]) -> None:
    ana, ben = users["ana"], users["ben"]
    warn = ana.create_filter_v2(
        "Coffee", ["home", "notifications"], "warn", keywords_attributes=[{"keyword": "coffee", "whole_word": True}]
    )
    assert warn.title == "Coffee" and warn.filter_action == "warn" and warn.keywords[0].keyword == "coffee"
    hide = ana.create_filter_v2(
        "Spoilers", ["home", "notifications"], "hide", keywords_attributes=[{"keyword": "spoiler"}]
    )
    warned = ben.status_post("coffee break")
    hidden = ben.status_post("a big spoiler here")
    plain = ben.status_post("just tea")
    mention = ben.status_post("@ana coffee?")
    hidden_mention = ben.status_post("@ana no spoiler, promise")

    def home_has_them() -> bool:
        return {warned.id, plain.id} <= {s.id for s in ana.timeline_home()}

    eventually(home_has_them)
    home = {s.id: s for s in ana.timeline_home()}
    assert [r.filter.title for r in home[warned.id].filtered] == ["Coffee"]
    assert home[warned.id].filtered[0].keyword_matches == ["coffee"]
    assert home[plain.id].filtered == [] and hidden.id not in home and hidden_mention.id not in home

    def mentioned() -> bool:
        return any(n.status and n.status.id == mention.id for n in ana.notifications())

    eventually(mentioned)
    by_status = {n.status.id: n for n in ana.notifications() if n.status}
    assert [r.filter.title for r in by_status[mention.id].status.filtered] == ["Coffee"]
    assert hidden_mention.id not in by_status
    # ben's view is his own: ana's filters are not his, nor visible to him
    assert all(s.filtered == [] for s in ben.timeline_home())
    with pytest.raises(MastodonNotFoundError):
        ben.filter_v2(warn.id)
    assert {f.id for f in ana.filters_v2()} == {warn.id, hide.id}
    assert ben.filters_v2() == []


def test_filter_groups_keywords_and_statuses(users: dict[str, Mastodon]) -> None:
    ana, ben = users["ana"], users["ben"]
    made = ana.create_filter_v2("Group", ["public", "thread"], "warn", expires_in=3600)
    assert made.keywords == [] and made.expires_at is not None
    updated = ana.update_filter_v2(made.id, title="Renamed", keywords_attributes=[{"keyword": "alpha"}])
    assert updated.title == "Renamed" and [k.keyword for k in updated.keywords] == ["alpha"]
    added = ana.add_filter_keyword_v2(made.id, "beta", whole_word=False)
    assert added.keyword == "beta" and added.whole_word is False
    assert [k.keyword for k in ana.filter_keywords_v2(made.id)] == ["alpha", "beta"]
    ana.delete_filter_keyword_v2(added.id)
    assert [k.keyword for k in ana.filter_v2(made.id).keywords] == ["alpha"]
    target = ben.status_post("filter me by id")
    status_filter = ana.add_filter_status_v2(made.id, target.id)
    assert status_filter.status_id == target.id
    assert [s.id for s in ana.filter_statuses_v2(made.id)] == [status_filter.id]
    assert ana.filter_status_v2(status_filter.id).status_id == target.id
    ana.delete_filter_status_v2(status_filter.id)
    assert ana.filter_statuses_v2(made.id) == []
    with pytest.raises(MastodonAPIError):
        ana.create_filter_v2("", ["home"], "warn")
    with pytest.raises(MastodonAPIError):
        ana.create_filter_v2("Nowhere", ["everywhere"], "warn")
    ana.delete_filter_v2(made.id)
    with pytest.raises(MastodonNotFoundError):
        ana.filter_v2(made.id)


def test_v1_filters(users: dict[str, Mastodon]) -> None:
    ana = users["ana"]
    created = ana.filter_create("brussels sprouts", ["home", "public"], irreversible=True, whole_word=False)
    assert created.phrase == "brussels sprouts" and created.irreversible is True and created.whole_word is False
    assert created.id in {f.id for f in ana.filters()}
    assert ana.filter(created.id).context == ["home", "public"]
    changed = ana.filter_update(created.id, phrase="kale", context=["home"], irreversible=False)
    assert changed.phrase == "kale" and changed.irreversible is False and changed.context == ["home"]
    group = next(f for f in ana.filters_v2() if any(k.id == created.id for k in f.keywords))
    assert group.filter_action == "warn"
    ana.filter_delete(created.id)
    assert created.id not in {f.id for f in ana.filters()}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


def test_scheduled_statuses(users: dict[str, Mastodon]) -> None:
    ana, ben = users["ana"], users["ben"]
    now = dt.datetime.now(dt.UTC)
    later = ana.status_post("see you in an hour", scheduled_at=now + dt.timedelta(hours=1))
    assert later.params.text == "see you in an hour" and later.scheduled_at > now
    picture = ana.media_post(png(), mime_type="image/png", description="a dot", synchronous=True)
    soon_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=8)  # Mastodon.py sends whole seconds
    soon = ana.status_post("with a picture", media_ids=[picture], scheduled_at=soon_at)
    assert [m["id"] for m in soon.media_attachments] == [picture.id]
    cancelled = ana.status_post("never mind", scheduled_at=now + dt.timedelta(hours=2))
    assert {s.id for s in ana.scheduled_statuses()} == {later.id, soon.id, cancelled.id}
    assert ana.scheduled_status(later.id).params.text == "see you in an hour"
    with pytest.raises(MastodonNotFoundError):
        ben.scheduled_status(later.id)
    with pytest.raises(MastodonAPIError):
        ana.status_post("too late", scheduled_at=now - dt.timedelta(minutes=10))

    moved = ana.scheduled_status_update(later.id, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=6))
    assert moved.scheduled_at < now + dt.timedelta(minutes=1)
    ana.scheduled_status_delete(cancelled.id)

    def published() -> bool:
        return len(ana.account_statuses(ana.me().id)) == 2

    eventually(published)
    posted = {s.content: s for s in ana.account_statuses(ana.me().id)}
    assert set(posted) == {"<p>see you in an hour</p>", "<p>with a picture</p>"}
    assert [m.id for m in posted["<p>with a picture</p>"].media_attachments] == [picture.id]
    assert ana.scheduled_statuses() == []
    with pytest.raises(MastodonNotFoundError):
        ana.scheduled_status(cancelled.id)
