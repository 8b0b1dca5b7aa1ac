"""List use cases (feed role): a user's lists, their members and their timelines.

Only accounts the owner follows may join a list; an unfollow (or a block, which ends follows both
ways) takes the account out of the owner's lists (the ``lists`` consumer, workers/lists.py), and
until it has, a member the owner no longer follows is left out of the timeline on read.
The timeline is merged on read from the statuses store (like the celebrity merge of home), with
the home timeline's filters and the list's replies policy.
"""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.domain import errors
from rookery.workloads.domain.lists import (
    TimelineList,
    check_members,
    check_replies_policy,
    check_room,
    check_title,
    shows,
)
from rookery.workloads.domain.pagination import PageRequest, trim
from rookery.workloads.domain.statuses import DIRECT
from rookery.workloads.domain.timelines import TimelineEntry, collapse_reblogs, involved_accounts, without_hidden
from rookery.workloads.ids import new_id
from rookery.workloads.ports.feed import ListStore
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.posts import StatusRepository
from rookery.workloads.services.feed import OVERFETCH, TimelinePage, cursors
from rookery.workloads.services.posts import PostsService
from rookery.workloads.services.social import AccountDirectory, NotFoundError


class NotFollowed(errors.RuleViolation):
    """Adding an account the owner does not follow (the API answers 422)."""


class ListsService:
    def __init__(
        self,
        store: ListStore,
        graph: GraphStore,
        accounts: AccountDirectory,
        statuses: StatusRepository,
        posts: PostsService,
    ) -> None:
        self.store = store
        self.graph = graph
        self.accounts = accounts
        self.statuses = statuses
        self.posts = posts

    # -- the lists ---------------------------------------------------------------------------

    async def lists(self, owner_id: int) -> list[TimelineList]:
        return await self.store.of_owner(owner_id)

    async def get(self, owner_id: int, list_id: int) -> TimelineList:
        """The owner's list; someone else's is as unknown as a missing one."""
        found = await self.store.get(list_id)
        if found is None or found.account_id != owner_id:
            raise NotFoundError("Record not found")
        return found

    async def create(
        self, owner_id: int, title: str | None, *, replies_policy: str = "list", exclusive: bool = False
    ) -> TimelineList:
        created = TimelineList(new_id(), owner_id, check_title(title), check_replies_policy(replies_policy), exclusive)
        check_room(len(await self.store.of_owner(owner_id)))
        await self.store.create(created)
        return created

    async def update(
        self,
        owner_id: int,
        list_id: int,
        *,
        title: str | None = None,
        replies_policy: str | None = None,
        exclusive: bool | None = None,
    ) -> TimelineList:
        found = await self.get(owner_id, list_id)
        if title is not None:
            found.title = check_title(title)
        if replies_policy is not None:
            found.replies_policy = check_replies_policy(replies_policy)
        if exclusive is not None:
            found.exclusive = exclusive
        await self.store.update(found)
        return found

    async def delete(self, owner_id: int, list_id: int) -> None:
        await self.get(owner_id, list_id)
        await self.store.delete(list_id)

    # -- members -----------------------------------------------------------------------------

    async def members(self, owner_id: int, list_id: int, page: PageRequest) -> list[int]:
        await self.get(owner_id, list_id)
        return await self.store.members(list_id, page)

    async def add(self, owner_id: int, list_id: int, account_ids: Sequence[int]) -> None:
        """All or nothing: every account must exist and be followed by the owner."""
        found = await self.get(owner_id, list_id)
        wanted = list(dict.fromkeys(account_ids))
        known = await self.accounts.get_many(wanted)
        if any(a not in known or known[a].suspended for a in wanted):
            raise NotFoundError("Record not found")
        followed = await self.graph.following_among(owner_id, wanted) if wanted else set()
        if set(wanted) - followed:
            raise NotFollowed("You must follow an account to add it to a list")
        current = set(await self.store.member_ids(list_id))
        check_members(len(current), len(set(wanted) - current))
        await self.store.add_members(found, wanted)

    async def remove(self, owner_id: int, list_id: int, account_ids: Sequence[int]) -> None:
        await self.get(owner_id, list_id)
        await self.store.remove_members(list_id, list(dict.fromkeys(account_ids)))

    async def lists_with(self, owner_id: int, account_id: int) -> list[TimelineList]:
        account = await self.accounts.get(account_id)
        if account is None or account.suspended:
            raise NotFoundError("Record not found")
        return await self.store.with_member(owner_id, account_id)

    async def forget(self, owner_id: int, account_id: int) -> None:
        """The owner stopped following the account: it leaves all of the owner's lists."""
        await self.store.forget_member(owner_id, account_id)

    # -- the timeline ------------------------------------------------------------------------

    async def timeline(self, owner_id: int, list_id: int, page: PageRequest) -> TimelinePage:
        found = await self.get(owner_id, list_id)
        members = await self.store.member_ids(list_id)
        followed = await self.graph.following_among(owner_id, members) if members else set()
        if not followed:
            return TimelinePage([], None, None)
        read = await self.statuses.by_authors(sorted(followed), page.widened(OVERFETCH))
        moderation = self.posts.moderation
        raw = [e for e in read if moderation.entry_visible(e, owner_id)] if moderation is not None else read
        relations = await self.graph.viewer_relations(owner_id, sorted(involved_accounts(raw)))
        member_set = frozenset(members)
        shown = [e for e in without_hidden(raw, relations) if shows(e, found, member_set, relations)]
        entries = trim(collapse_reblogs(shown), page)
        next_max, prev_min = cursors([e.status_id for e in entries])
        if next_max is None and read and not page.ascending:
            next_max = read[-1].status_id  # everything read was filtered: let the client read on
        return TimelinePage(entries, next_max, prev_min)

    async def receiving(self, entry: TimelineEntry) -> list[TimelineList]:
        """The lists a new status by ``entry.account_id`` enters (streamed to their owners)."""
        if entry.visibility == DIRECT:
            return []
        candidates = await self.store.containing(entry.account_id)
        if not candidates:
            return []
        followers = await self.graph.followers_among(entry.account_id, sorted({c.account_id for c in candidates}))
        receiving = []
        involved = sorted(involved_accounts([entry]))
        for candidate in candidates:
            if candidate.account_id not in followers:
                continue
            relations = await self.graph.viewer_relations(candidate.account_id, involved)
            members = (
                frozenset(await self.store.member_ids(candidate.id))
                if candidate.replies_policy == "list"
                else frozenset()
            )
            if shows(entry, candidate, members, relations):
                receiving.append(candidate)
        return receiving
