"""PostsService: create, edit, delete, visibility, context, counters."""

from __future__ import annotations

import pytest
from services_support import House

from rookery.workloads.domain.media import MediaRejected
from rookery.workloads.domain.statuses import DIRECT, PRIVATE, Draft, StatusRuleError
from rookery.workloads.services.social import NotFoundError


async def test_create_renders_mentions_and_tags_and_counts_the_post(house: House) -> None:
    alice, bob = await house.user("alice"), await house.user("bob")
    status = await house.post(alice, "hi @bob and @nobody, #Rookery day")
    assert status.mentions == (bob.id,)  # an unknown account is not mentioned
    assert [tag.lower() for tag in status.tags] == ["rookery"]
    assert f'href="{house.posts.base_url}/@bob"' in status.content
    assert f'href="{house.posts.base_url}/tags/rookery"' in status.content.lower()
    assert "@nobody" in status.content and "/@nobody" not in status.content
    assert (await house.account(alice.id)).statuses_count == 1
    assert (await house.posts.visible(status.id, None)).id == status.id


async def test_drafts_are_validated(house: House) -> None:
    alice = await house.user()
    with pytest.raises(StatusRuleError, match="blank"):
        await house.post(alice, "   ")
    with pytest.raises(StatusRuleError, match="too long"):
        await house.post(alice, "x" * 501)
    with pytest.raises(StatusRuleError, match="Visibility"):
        await house.post(alice, "hi", visibility="everyone")
    with pytest.raises(MediaRejected):  # not an upload of the author's
        await house.posts.create(alice.id, Draft("hi"), media_ids=[1])
    assert (await house.account(alice.id)).statuses_count == 0


async def test_private_posts_reach_followers_and_the_mentioned_only(house: House) -> None:
    alice, follower, mentioned, stranger = (
        await house.user(),
        await house.user(),
        await house.user(),
        await house.user(),
    )
    await house.graph.follow(follower.id, alice.id)
    status = await house.post(alice, f"for friends and @{mentioned.username}", visibility=PRIVATE)
    for viewer in (alice, follower, mentioned):
        assert (await house.posts.visible(status.id, viewer.id)).id == status.id
    for viewer_id in (stranger.id, None):
        with pytest.raises(NotFoundError):
            await house.posts.visible(status.id, viewer_id)
    seen = await house.posts.get_many_visible([status.id, status.id], stranger.id)
    assert seen == []


async def test_direct_posts_reach_only_the_mentioned_and_a_block_hides_everything(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    await house.graph.follow(bob.id, alice.id)
    direct = await house.post(alice, f"@{carol.username} psst", visibility=DIRECT)
    public = await house.post(alice, "hello world")
    with pytest.raises(NotFoundError):
        await house.posts.visible(direct.id, bob.id)  # following is not enough
    assert (await house.posts.visible(direct.id, carol.id)).id == direct.id
    await house.graph.block(alice.id, carol.id)
    with pytest.raises(NotFoundError):
        await house.posts.visible(public.id, carol.id)
    assert (await house.posts.visible(public.id, None)).id == public.id


async def test_replies_build_the_context_in_thread_order(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    root = await house.post(alice, "root")
    first = await house.post(bob, "first", in_reply_to_id=root.id)
    second = await house.post(alice, "second", in_reply_to_id=root.id)
    nested = await house.post(alice, "nested", in_reply_to_id=first.id)
    assert first.in_reply_to_account_id == alice.id
    assert nested.conversation_id == root.id and nested.thread_id == root.id
    context = await house.posts.context(root.id, None)
    assert context.ancestors == []
    assert [s.id for s in context.descendants] == [first.id, nested.id, second.id]
    context = await house.posts.context(nested.id, None)
    assert [s.id for s in context.ancestors] == [root.id, first.id]
    await house.graph.mute(alice.id, bob.id)  # a muted author's replies leave the viewer's context
    shown = [s.id for s in (await house.posts.context(root.id, alice.id)).descendants]
    assert shown == [second.id, nested.id]  # the reply under the muted one stays, now a top level


async def test_a_reply_to_an_invisible_status_is_refused(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    secret = await house.post(alice, "friends only", visibility=PRIVATE)
    with pytest.raises(NotFoundError):
        await house.post(bob, "answer", in_reply_to_id=secret.id)


async def test_only_the_author_edits_and_each_edit_is_kept(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    status = await house.post(alice, "first #one")
    with pytest.raises(NotFoundError):  # someone else's is as unknown as a missing one, as in Mastodon
        await house.posts.edit(bob.id, status.id, Draft("mine now"))
    edited = await house.posts.edit(alice.id, status.id, Draft("second #two", spoiler_text="cw"))
    assert edited.edited_at is not None and edited.sensitive  # a content warning marks it sensitive
    assert [tag.lower() for tag in edited.tags] == ["two"]
    assert [version.text for version in await house.posts.history(status.id, None)] == [
        "first #one",
        "second #two",
    ]
    assert (await house.posts.visible(status.id, bob.id)).text == "second #two"


async def test_delete_is_the_authors_and_takes_back_the_counts(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    status = await house.post(alice, "short-lived")
    await house.interactions.reblog(bob.id, status.id)
    assert (await house.account(bob.id)).statuses_count == 1
    with pytest.raises(NotFoundError):
        await house.posts.delete(bob.id, status.id)
    deleted = await house.posts.delete(alice.id, status.id)
    assert deleted.id == status.id
    with pytest.raises(NotFoundError):
        await house.posts.visible(status.id, alice.id)
    with pytest.raises(NotFoundError):
        await house.posts.delete(alice.id, status.id)
    assert (await house.account(alice.id)).statuses_count == 0
    assert (await house.account(bob.id)).statuses_count == 0  # the reblog went with it
