"""MessagingService: direct and group chats, who may do what, unread counts, realtime delivery."""

from __future__ import annotations

import orjson
import pytest
from services_support import House

from rookery.workloads.domain.chats import ADMIN, DIRECT, GROUP, OWNER, ChatNotFound, ChatRejected
from rookery.workloads.domain.pagination import PageRequest


async def test_a_pair_has_one_direct_chat_that_either_may_reopen(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    chat, created = await house.messaging.create(alice.id, [bob.id, alice.id], None)
    assert created and chat.chat.type == DIRECT
    assert {(m.account_id, m.role) for m in chat.members} == {(alice.id, OWNER), (bob.id, OWNER)}
    again, created = await house.messaging.create(bob.id, [alice.id], None)
    assert not created and again.chat.id == chat.chat.id
    assert await house.messaging.remove_member(alice.id, chat.chat.id, alice.id) is None  # alice leaves
    with pytest.raises(ChatNotFound):
        await house.messaging.view(alice.id, chat.chat.id)
    back, created = await house.messaging.create(alice.id, [bob.id], None)
    assert not created and back.chat.id == chat.chat.id  # she joins the same chat again


async def test_chats_need_known_unblocked_accounts(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    with pytest.raises(ChatRejected):
        await house.messaging.create(alice.id, [alice.id], None)
    with pytest.raises(ChatRejected):
        await house.messaging.create(alice.id, [424242], None)
    chat, _ = await house.messaging.create(alice.id, [bob.id], None)
    await house.graph.block(bob.id, alice.id)
    with pytest.raises(ChatRejected) as refused:
        await house.messaging.post(alice.id, chat.chat.id, "hello?")
    assert refused.value.status == 403
    with pytest.raises(ChatRejected):
        await house.messaging.create(alice.id, [bob.id], "a group")


async def test_non_members_see_no_chat_at_all(house: House) -> None:
    alice, bob, eve = await house.user(), await house.user(), await house.user()
    chat, _ = await house.messaging.create(alice.id, [bob.id], None)
    for call in (
        house.messaging.view(eve.id, chat.chat.id),
        house.messaging.post(eve.id, chat.chat.id, "let me in"),
        house.messaging.messages(eve.id, chat.chat.id, PageRequest()),
        house.messaging.view(alice.id, None),
    ):
        with pytest.raises(ChatNotFound):
            await call


async def test_messages_unread_counts_and_read_markers(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    chat, _ = await house.messaging.create(alice.id, [bob.id], None)
    chat_id = chat.chat.id
    with pytest.raises(ChatRejected):
        await house.messaging.post(alice.id, chat_id, "   ")
    first = await house.messaging.post(alice.id, chat_id, "one")
    second = await house.messaging.post(alice.id, chat_id, "two")
    view = await house.messaging.view(bob.id, chat_id)
    assert view.unread_count == 2 and view.last_message is not None and view.last_message.id == second.id
    assert [m.id for m in await house.messaging.messages(bob.id, chat_id, PageRequest())] == [second.id, first.id]
    assert (await house.messaging.mark_read(bob.id, chat_id, first.id)).unread_count == 1
    marked = await house.messaging.mark_read(bob.id, chat_id, second.id + 10**9)  # capped at the newest
    assert (marked.unread_count, marked.last_read_id) == (0, second.id)
    with pytest.raises(ChatRejected):
        await house.messaging.mark_read(bob.id, chat_id, None)
    assert [v.chat.id for v in await house.messaging.list_chats(bob.id, PageRequest())] == [chat_id]


async def test_group_roles_rename_add_remove_and_succession(house: House) -> None:
    owner, admin, member, newcomer = await house.user(), await house.user(), await house.user(), await house.user()
    group, _ = await house.messaging.create(owner.id, [member.id], "Book club")
    chat_id = group.chat.id
    assert group.chat.type == GROUP and group.chat.title == "Book club"
    with pytest.raises(ChatRejected):  # members do not add
        await house.messaging.add_members(member.id, chat_id, [newcomer.id])
    await house.messaging.add_members(owner.id, chat_id, [admin.id], role=ADMIN)
    with pytest.raises(ChatRejected):  # only the owner adds admins
        await house.messaging.add_members(admin.id, chat_id, [newcomer.id], role=ADMIN)
    view = await house.messaging.add_members(admin.id, chat_id, [newcomer.id])
    assert len(view.members) == 4
    with pytest.raises(ChatRejected):
        await house.messaging.rename(member.id, chat_id, "Mine")
    assert (await house.messaging.rename(admin.id, chat_id, "  Reading  ")).chat.title == "Reading"
    with pytest.raises(ChatRejected):  # an admin does not remove the owner
        await house.messaging.remove_member(admin.id, chat_id, owner.id)
    await house.messaging.remove_member(admin.id, chat_id, newcomer.id)
    with pytest.raises(ChatRejected):
        await house.messaging.delete(admin.id, chat_id)
    assert await house.messaging.remove_member(owner.id, chat_id, owner.id) is None  # the owner leaves
    roles = {m.account_id: m.role for m in (await house.messaging.view(member.id, chat_id)).members}
    assert roles == {admin.id: OWNER, member.id: "member"}  # the admin inherits the group
    await house.messaging.delete(admin.id, chat_id)
    with pytest.raises(ChatNotFound):
        await house.messaging.view(member.id, chat_id)


async def test_a_message_reaches_each_members_user_channel(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    chat, _ = await house.messaging.create(alice.id, [bob.id], None)
    listener = house.realtime.listen()
    await listener.add([f"user:{bob.id}"])
    message = await house.messaging.post(alice.id, chat.chat.id, "hi bob")
    frames = listener.messages()
    channel, raw = await anext(frames)
    await listener.close()
    frame = orjson.loads(raw)
    assert channel == f"user:{bob.id}" and frame["event"] == "chat.message"
    assert orjson.loads(frame["payload"])["id"] == str(message.id)
