"""ConversationMuteStore contract over SQLite and PostgreSQL (needs("postgres")): mutes per
(account, conversation), the thread id stored on replies, and the ``muted`` viewer flag."""

from __future__ import annotations

from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.conversation_mutes import PostgresConversationMuteStore
from rookery.workloads.adapters.sqlite.conversation_mutes import SqliteConversationMuteStore
from rookery.workloads.domain.statuses import Status
from rookery.workloads.ids import new_id
from rookery.workloads.ports.posts import ConversationMuteStore

ALICE, BOB = 11, 22


@pytest.fixture
def store(store_db: StoreDb) -> Any:
    return store_db.pick(SqliteConversationMuteStore, PostgresConversationMuteStore)


def status(account_id: int, parent: Status | None = None) -> Status:
    return Status(
        id=new_id(),
        account_id=account_id,
        text="t",
        content="<p>t</p>",
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        conversation_id=parent.thread_id if parent else None,
    )


async def test_mute_unmute_muted(store: ConversationMuteStore) -> None:
    assert await store.muted(ALICE, [1, 2]) == set()
    await store.mute(ALICE, 1)
    await store.mute(ALICE, 1)  # again: nothing changes
    await store.mute(ALICE, 3)
    await store.mute(BOB, 2)
    assert await store.muted(ALICE, [1, 2, 3, 1]) == {1, 3}
    assert await store.muted(BOB, [1, 2, 3]) == {2}
    assert await store.muted(ALICE, []) == set()
    await store.unmute(ALICE, 1)
    await store.unmute(ALICE, 99)  # never muted: no error
    assert await store.muted(ALICE, [1, 2, 3]) == {3}


async def test_thread_ids_and_the_muted_flag(store_db: StoreDb, store: ConversationMuteStore) -> None:
    repo, interactions = store_db.statuses(), store_db.interactions()
    root = status(ALICE)
    reply = status(BOB, root)
    deeper = status(ALICE, reply)
    elsewhere = status(BOB)
    for s in (root, reply, deeper, elsewhere):
        await repo.create(s)
    stored = await repo.get_many([root.id, reply.id, deeper.id])
    assert stored[root.id].conversation_id is None and stored[root.id].thread_id == root.id
    assert stored[reply.id].conversation_id == root.id and stored[deeper.id].thread_id == root.id
    ids = [root.id, reply.id, deeper.id, elsewhere.id]
    assert (await interactions.viewer_flags(ALICE, ids)).muted == frozenset()
    await store.mute(ALICE, root.id)
    assert (await interactions.viewer_flags(ALICE, ids)).muted == {root.id, reply.id, deeper.id}
    assert (await interactions.viewer_flags(BOB, ids)).muted == frozenset()
