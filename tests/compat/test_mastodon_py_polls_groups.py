"""Mastodon.py, unchanged, against a live Rookery server: polls (make_poll, poll, poll_vote,
expiry and its poll notifications) and grouped notifications (grouped_notifications with paging
through fetch_next / fetch_previous, grouped_notification, its accounts, dismissing it, the unread
counts), and the notification policy with its requests. Polls may last one second here
(ROOKERY_POLL_MIN_EXPIRES_IN_S) so expiry is seen. Both modes: `rookery up`, and
`rookery serve --role all` on the real PostgreSQL, Redis, Kafka and Cassandra."""

from __future__ import annotations

import functools
from typing import Any

import compat_support
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from e2e import waiting

SCOPES = ["read", "write", "follow"]
eventually = functools.partial(waiting.eventually, timeout_s=15.0, interval_s=0.1, message="condition not met in time")


SERVER_SETTINGS = {"ROOKERY_POLL_MIN_EXPIRES_IN_S": "1", "ROOKERY_POLL_CLOSE_INTERVAL_S": "0.2"}


@pytest.fixture(scope="module")
def users(server: Any) -> dict[str, Mastodon]:
    return compat_support.users(server, "rookery-compat-polls", SCOPES, "ana", "ben", "cy", "dee", "eli")


def test_polls(users: dict[str, Mastodon]) -> None:
    ana, ben, cy = users["ana"], users["ben"], users["cy"]
    status = ana.status_post("lunch?", poll=ana.make_poll(["soup", "salad", "both"], expires_in=3600, multiple=True))
    poll = status.poll
    assert [o.title for o in poll.options] == ["soup", "salad", "both"] and poll.multiple is True
    voted = ben.poll_vote(poll.id, [0, 2])
    assert voted.voted is True and voted.own_votes == [0, 2] and voted.votes_count == 2 and voted.voters_count == 1
    assert cy.poll(poll.id).voted is False
    with pytest.raises(MastodonAPIError):
        ben.poll_vote(poll.id, 2)  # that option again
    with pytest.raises(MastodonAPIError):
        cy.poll_vote(poll.id, 7)  # no such option
    assert ana.status(status.id).poll.votes_count == 2
    # an edit with other options resets the votes; the history shows each version's options
    edited = ana.status_update(status, "lunch?", poll=ana.make_poll(["soup", "salad"], expires_in=3600, multiple=True))
    assert [o.title for o in edited.poll.options] == ["soup", "salad"] and edited.poll.votes_count == 0
    versions = ana.status_history(status)
    assert [[o.title for o in v.poll.options] for v in versions] == [["soup", "salad", "both"], ["soup", "salad"]]
    hidden = ana.status_post("secret?", poll=ana.make_poll(["y", "n"], expires_in=3600, hide_totals=True))
    assert [o.votes_count for o in ben.poll_vote(hidden.poll.id, 0).options] == [None, None]
    private = ana.status_post("followers only", visibility="private", poll=ana.make_poll(["a", "b"], expires_in=3600))
    with pytest.raises(MastodonNotFoundError):
        cy.poll(private.poll.id)

    # long enough for the vote below to land first on a slow machine (1 s was not), short enough to wait out
    quick = ana.status_post("quick", poll=ana.make_poll(["a", "b"], expires_in=4))
    ben.poll_vote(quick.poll.id, 1)
    eventually(lambda: cy.poll(quick.poll.id).expired)
    with pytest.raises(MastodonAPIError):
        cy.poll_vote(quick.poll.id, 0)

    def poll_notes(client: Mastodon) -> list[str]:
        return [n.status.id for n in client.notifications(types=["poll"])]

    eventually(lambda: poll_notes(ben) == [quick.id] and poll_notes(ana) == [quick.id])
    assert poll_notes(cy) == []


def test_grouped_notifications(users: dict[str, Mastodon]) -> None:
    dee, ana, ben, cy, eli = users["dee"], users["ana"], users["ben"], users["cy"], users["eli"]
    first = dee.status_post("like me")
    second = dee.status_post("and me")
    for told, fan in enumerate((ana, ben, cy), start=1):
        fan.status_favourite(first.id)
        # each notified before the next act: a notification is numbered when the notify consumer
        # handles it, and favourites by different accounts may sit on different partitions
        eventually(lambda told=told: dee.notifications_unread_count().count == told)
    eli.status_favourite(second.id)
    eventually(lambda: dee.notifications_unread_count().count == 4)  # the follow comes last
    ana.account_follow(dee.me().id)
    eventually(lambda: dee.notifications_unread_count().count == 5)

    everything = dee.grouped_notifications()
    assert [(g.type, g.notifications_count) for g in everything.notification_groups] == [
        ("follow", 1),
        ("favourite", 1),
        ("favourite", 3),
    ]
    assert dee.unread_grouped_notifications_count() == 3
    page = dee.grouped_notifications(limit=1)
    seen = [page.notification_groups[0].type]
    while (page := dee.fetch_next(page)) is not None and page.notification_groups:
        seen.extend(g.type for g in page.notification_groups)
    assert seen[:3] == ["follow", "favourite", "favourite"]
    older = dee.grouped_notifications(limit=1, max_id=everything.notification_groups[1].most_recent_notification_id)
    back = dee.fetch_previous(older)
    assert [g.type for g in back.notification_groups] == ["favourite"]

    key = everything.notification_groups[2].group_key
    group = dee.grouped_notification(key)
    assert group.notification_groups[0].notifications_count == 3
    assert [s.id for s in group.statuses] == [first.id]
    assert [a.username for a in dee.grouped_notification_accounts(key)] == ["cy", "ben", "ana"]
    dee.dismiss_grouped_notification(key)
    with pytest.raises(MastodonNotFoundError):
        dee.grouped_notification(key)
    assert [g.type for g in dee.grouped_notifications().notification_groups] == ["follow", "favourite"]


def test_notification_policy_and_requests(users: dict[str, Mastodon]) -> None:
    eli, ana, ben = users["eli"], users["ana"], users["ben"]
    assert eli.notifications_policy().for_not_following == "accept"
    changed = eli.update_notifications_policy(for_not_following="filter")
    assert changed.for_not_following == "filter" and changed.for_private_mentions == "accept"
    with pytest.raises(MastodonAPIError):
        eli.update_notifications_policy(for_not_followers="sometimes")
    mention = ana.status_post("@eli are you there?")
    eventually(lambda: len(eli.notification_requests()) == 1)
    (request,) = eli.notification_requests()
    assert request.account.username == "ana" and request.notifications_count == "1"
    assert request.last_status.id == mention.id
    assert eli.notification_request(request.id).id == request.id
    assert eli.notifications_policy().summary.pending_requests_count == 1
    assert mention.id not in [n.status.id for n in eli.notifications(types=["mention"])]
    eli.accept_notification_request(request.id)
    assert eli.notifications_merged() is True
    assert mention.id in [n.status.id for n in eli.notifications(types=["mention"])]
    ben.status_post("@eli me too")
    eventually(lambda: len(eli.notification_requests()) == 1)
    eli.dismiss_multiple_notification_requests([r.id for r in eli.notification_requests()])
    assert eli.notification_requests() == []
    assert eli.notifications_policy().summary.pending_notifications_count == 0
