"""Mastodon.py, unchanged, against a real `rookery up` process: lists, their accounts and the list
timeline with fetch_next."""

from __future__ import annotations

import compat_support
import pytest
from live_support import LiveServer
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

SCOPES = ["read", "write", "follow"]


@pytest.fixture(scope="module")
def users(live_server: LiveServer) -> dict[str, Mastodon]:
    return compat_support.users(live_server, "rookery-compat-lists", SCOPES, "lia", "lou", "lee")


def test_lists_with_mastodon_py(users: dict[str, Mastodon]) -> None:
    lia, lou, lee = users["lia"], users["lou"], users["lee"]
    lou_id, lee_id = lou.me().id, lee.me().id
    lia.account_follow(lou_id)
    created = lia.list_create("Lou", replies_policy="followed", exclusive=False)
    assert created.title == "Lou" and created.replies_policy == "followed" and created.exclusive is False
    assert [found.id for found in lia.lists()] == [created.id]
    lia.list_accounts_add(created, [lou_id])
    with pytest.raises(MastodonAPIError) as refused:  # not followed
        lia.list_accounts_add(created, [lee_id])
    assert refused.value.args[1] == 422
    assert [a.id for a in lia.list_accounts(created)] == [lou_id]
    assert [found.id for found in lia.account_lists(lou_id)] == [created.id]
    posted = [lou.status_post(f"for the list {i}").id for i in range(5)]
    lee.status_post("not on the list")
    first = lia.timeline_list(created, limit=2)
    assert [s.id for s in first] == posted[::-1][:2]
    second = lia.fetch_next(first)
    assert second is not None and [s.id for s in second] == posted[::-1][2:4]
    back = lia.fetch_previous(second)
    assert back is not None and [s.id for s in back] == posted[::-1][:2]
    renamed = lia.list_update(created, "Lou only", replies_policy="none", exclusive=True)
    assert renamed.title == "Lou only" and renamed.replies_policy == "none" and renamed.exclusive is True
    assert lia.list(created).title == "Lou only"
    lia.list_accounts_delete(created, [lou_id])
    assert lia.list_accounts(created) == []
    with pytest.raises(MastodonNotFoundError):
        lee.list(created)  # someone else's list
    lia.list_delete(created)
    with pytest.raises(MastodonNotFoundError):
        lia.list(created)
