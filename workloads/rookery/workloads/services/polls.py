"""Poll use cases: read a poll, vote, and close the expired ones (each announced once through the
outbox as ``PollExpired``; the notify consumer tells the voters and the author).

A poll is seen by whoever may see its status: otherwise 404, as for the status itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rookery.workloads.domain.events import POSTS, OutboxEvents
from rookery.workloads.domain.polls import Poll, check_choices
from rookery.workloads.domain.statuses import StatusRuleError
from rookery.workloads.ports.posts import PollStore
from rookery.workloads.services.posts import PostsService
from rookery.workloads.services.social import NotFoundError, event

POLL_EXPIRED = "PollExpired"
CLOSE_BATCH = 100


class PollsService:
    def __init__(self, store: PollStore, posts: PostsService, *, tenant: str) -> None:
        self.store = store
        self.posts = posts
        self.tenant = tenant

    async def get(self, poll_id: int, viewer_id: int | None) -> Poll:
        poll = await self.store.get(poll_id)
        if poll is None:
            raise NotFoundError("Record not found")
        await self.posts.visible(poll.status_id, viewer_id)
        return poll

    async def vote(self, poll_id: int, account_id: int, choices: Sequence[int]) -> Poll:
        poll = await self.get(poll_id, account_id)
        now = dt.datetime.now(dt.UTC)
        check_choices(poll, choices, now)
        outcome = await self.store.vote(poll.id, account_id, choices, now)
        if outcome == "missing":
            raise NotFoundError("Record not found")
        if outcome == "expired":
            raise StatusRuleError("The poll has already ended")
        if outcome == "already_voted":
            raise StatusRuleError("You have already voted on this poll")
        return await self.get(poll.id, account_id)

    def announce(self, poll: Poll, voter_ids: list[int]) -> OutboxEvents:
        payload = {
            "poll_id": poll.id,
            "status_id": poll.status_id,
            "account_id": poll.account_id,
            "voter_ids": voter_ids,
        }
        return [(POSTS, event(POLL_EXPIRED, poll.account_id, payload, self.tenant))]

    async def close_expired(self, now: dt.datetime | None = None) -> list[Poll]:
        """Close every poll expired by ``now``, a batch at a time; the closed ones."""
        moment = now or dt.datetime.now(dt.UTC)
        closed: list[Poll] = []
        while True:
            batch = await self.store.close_expired(moment, CLOSE_BATCH, self.announce)
            closed.extend(batch)
            if len(batch) < CLOSE_BATCH:
                return closed
