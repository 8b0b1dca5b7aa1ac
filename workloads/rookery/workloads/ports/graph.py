"""Graph role: follows, follow requests, blocks, mutes. SQLite embedded; Cassandra in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.graph import Follow, Mute, Relationship, ViewerRelations
from rookery.workloads.domain.pagination import PageRequest


class GraphStore(Protocol):
    async def follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        """Create or update a follow (and drop a pending request); True when it is new."""
        ...

    async def unfollow(self, account_id: int, target_id: int, events: OutboxEvents = ()) -> bool: ...

    async def get_follow(self, account_id: int, target_id: int) -> Follow | None: ...

    async def request_follow(self, follow: Follow, events: OutboxEvents = ()) -> bool: ...

    async def take_request(self, account_id: int, target_id: int) -> Follow | None:
        """Remove and return a pending request of ``account_id`` to follow ``target_id``."""
        ...

    async def follow_requests(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(row id, requesting account id), newest first."""
        ...

    async def followers(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def following(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def follower_ids(self, target_id: int) -> list[int]: ...

    async def subscriber_ids(self, target_id: int) -> list[int]:
        """Followers who asked to be notified of target_id's new statuses (a follow with notify)."""
        ...

    async def following_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]: ...

    async def followers_among(self, target_id: int, account_ids: Sequence[int]) -> set[int]: ...

    async def block(
        self, account_id: int, target_id: int, events: OutboxEvents = ()
    ) -> list[tuple[int, int]]:
        """Block, removing follows and requests both ways; returns the (follower, followed) pairs
        of the follows removed. Idempotent."""
        ...

    async def unblock(self, account_id: int, target_id: int) -> bool: ...

    async def mute(self, mute: Mute) -> None: ...

    async def unmute(self, account_id: int, target_id: int) -> bool: ...

    async def blocks(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def mutes(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def relationships(self, account_id: int, target_ids: Sequence[int]) -> dict[int, Relationship]: ...

    async def viewer_relations(self, account_id: int, others: Sequence[int]) -> ViewerRelations: ...

    async def all_viewer_relations(self, account_id: int, limit: int) -> ViewerRelations | None:
        """``viewer_relations`` about every account at once (whom the viewer follows, blocks and
        mutes, who blocks it), or None when that is more than ``limit`` relations."""
        ...
