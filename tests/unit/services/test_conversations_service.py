"""ConversationsService: direct statuses in their participants' conversations."""

from __future__ import annotations

import pytest
from services_support import House

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import DIRECT
from rookery.workloads.services.social import NotFoundError


async def test_each_participant_has_the_conversation_unread_but_the_author(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    status = await house.post(alice, f"@{bob.username} @{carol.username} psst", visibility=DIRECT)
    await house.settle()  # the conversations consumer records it too; recording is idempotent
    recorded = await house.conversations.record_direct(status.id, alice.id, [bob.id, carol.id])
    assert {(c.owner_id, c.participant_ids, c.unread) for c in recorded} == {
        (alice.id, tuple(sorted((bob.id, carol.id))), False),
        (bob.id, tuple(sorted((alice.id, carol.id))), True),
        (carol.id, tuple(sorted((alice.id, bob.id))), True),
    }
    again = await house.conversations.record_direct(status.id, alice.id, [bob.id, carol.id])  # redelivered
    assert {c.id for c in again} == {c.id for c in recorded}
    (bobs,) = await house.conversations.of_owner(bob.id, PageRequest())
    assert bobs.last_status_id == status.id and bobs.unread
    assert not (await house.conversations.mark_read(bob.id, bobs.id)).unread


async def test_a_conversation_is_its_owners_alone_and_deletion_is_per_owner(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    status = await house.post(alice, f"@{bob.username} hi", visibility=DIRECT)
    await house.settle()  # else the consumer could record it again after the delete below
    await house.conversations.record_direct(status.id, alice.id, [bob.id])
    (alices,) = await house.conversations.of_owner(alice.id, PageRequest())
    with pytest.raises(NotFoundError):
        await house.conversations.mark_read(bob.id, alices.id)
    with pytest.raises(NotFoundError):
        await house.conversations.delete(bob.id, alices.id)
    await house.conversations.delete(alice.id, alices.id)
    assert await house.conversations.of_owner(alice.id, PageRequest()) == []
    assert len(await house.conversations.of_owner(bob.id, PageRequest())) == 1


async def test_a_later_status_moves_the_conversation_and_a_forgotten_one_leaves(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    first = await house.post(alice, f"@{bob.username} one", visibility=DIRECT)
    await house.conversations.record_direct(first.id, alice.id, [bob.id])
    second = await house.post(bob, f"@{alice.username} two", visibility=DIRECT, in_reply_to_id=first.id)
    await house.conversations.record_direct(second.id, bob.id, [alice.id])
    await house.settle()
    (alices,) = await house.conversations.of_owner(alice.id, PageRequest())
    assert alices.last_status_id == second.id and alices.unread
    await house.conversations.forget_status(second.id)
    await house.conversations.forget_status(first.id)
    assert await house.conversations.of_owner(alice.id, PageRequest()) == []
