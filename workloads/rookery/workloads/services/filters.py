"""Filter use cases: each account's filters (v2 and the v1 shim over their keywords), and applying
them to rendered statuses for a viewer in a context.

A filter is its owner's alone: every other account gets 404, as for one that does not exist. The
v1 shim works as Mastodon 4's: a v1 filter is one keyword of a v2 filter (its id is the keyword's),
``irreversible`` is the ``hide`` action, and creating one makes a filter titled by its phrase.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from rookery.workloads.domain.filters import (
    MAX_FILTERS,
    MAX_KEYWORDS,
    Filter,
    FilterKeyword,
    FilterRuleError,
    FilterStatus,
    check_action,
    check_context,
    check_keyword,
    check_title,
    expires_at_of,
)
from rookery.workloads.ids import new_id
from rookery.workloads.ports.filters import FilterStore
from rookery.workloads.services.social import NotFoundError

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StatusCheck(Protocol):
    """The posts role as filters use it: a status the account may see, or NotFoundError."""

    async def visible(self, status_id: int, viewer_id: int | None) -> object: ...


@dataclasses.dataclass(frozen=True, slots=True)
class KeywordChange:
    """One ``keywords_attributes[]`` entry: new (no id), changed, or removed (``destroy``)."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class FilterChanges:
    """A create or an update: None leaves a field as it is (on create: its default)."""

    title: str | None = None
    context: tuple[str, ...] | None = None
    action: str | None = None
    expires_in: int | None = None
    expires_in_given: bool = False
    keywords: tuple[KeywordChange, ...] = ()


class FiltersService:
    def __init__(self, store: FilterStore, statuses: StatusCheck | None = None, clock: Clock = utc_now) -> None:
        self.store = store
        self.statuses = statuses
        self.clock = clock

    # --- v2 filters -------------------------------------------------------------------------

    async def of_account(self, account_id: int) -> list[Filter]:
        return await self.store.of_account(account_id)

    async def get(self, account_id: int, filter_id: int | None) -> Filter:
        found = await self.store.get(filter_id) if filter_id is not None else None
        if found is None or found.account_id != account_id:
            raise NotFoundError("Record not found")
        return found

    async def create(self, account_id: int, changes: FilterChanges) -> Filter:
        if any(k.id is not None for k in changes.keywords):
            raise NotFoundError("Record not found")  # Mastodon: a keyword id on create is a 404
        keywords = tuple(
            FilterKeyword(new_id(), check_keyword(k.keyword), True if k.whole_word is None else k.whole_word)
            for k in changes.keywords
            if not k.destroy
        )
        found = Filter(
            id=new_id(),
            account_id=account_id,
            title=check_title(changes.title),
            context=check_context(changes.context or ()),
            action=check_action(changes.action or "warn"),
            expires_at=expires_at_of(changes.expires_in, self.clock()),
            keywords=keywords,
        )
        _check_sizes(found)
        if len(await self.store.of_account(account_id)) >= MAX_FILTERS:
            raise FilterRuleError(f"You can have at most {MAX_FILTERS} filters")
        await self.store.save(found)
        return found

    async def update(self, account_id: int, filter_id: int | None, changes: FilterChanges) -> Filter:
        found = await self.get(account_id, filter_id)
        keywords = {k.id: k for k in found.keywords}
        for change in changes.keywords:
            if change.id is None:
                if not change.destroy:
                    whole = True if change.whole_word is None else change.whole_word
                    created = FilterKeyword(new_id(), check_keyword(change.keyword), whole)
                    keywords[created.id] = created
                continue
            current = keywords.get(change.id)
            if current is None:
                raise NotFoundError("Record not found")
            if change.destroy:
                del keywords[change.id]
                continue
            keywords[change.id] = FilterKeyword(
                current.id,
                check_keyword(change.keyword) if change.keyword is not None else current.keyword,
                current.whole_word if change.whole_word is None else change.whole_word,
            )
        updated = dataclasses.replace(
            found,
            title=check_title(changes.title) if changes.title is not None else found.title,
            context=check_context(changes.context) if changes.context is not None else found.context,
            action=check_action(changes.action) if changes.action is not None else found.action,
            expires_at=expires_at_of(changes.expires_in, self.clock())
            if changes.expires_in_given
            else found.expires_at,
            keywords=tuple(sorted(keywords.values(), key=lambda k: k.id)),
        )
        _check_sizes(updated)
        await self.store.save(updated)
        return updated

    async def delete(self, account_id: int, filter_id: int | None) -> None:
        found = await self.get(account_id, filter_id)
        await self.store.delete(found.id)

    # --- keywords and statuses of a filter ------------------------------------------------------

    async def add_keyword(
        self, account_id: int, filter_id: int | None, keyword: str | None, whole_word: bool
    ) -> FilterKeyword:
        found = await self.get(account_id, filter_id)
        created = FilterKeyword(new_id(), check_keyword(keyword), whole_word)
        updated = dataclasses.replace(found, keywords=(*found.keywords, created))
        _check_sizes(updated)
        await self.store.save(updated)
        return created

    async def keyword(self, account_id: int, keyword_id: int | None) -> tuple[Filter, FilterKeyword]:
        filter_id = await self.store.filter_of_keyword(keyword_id) if keyword_id is not None else None
        found = await self.get(account_id, filter_id)
        keyword = next((k for k in found.keywords if k.id == keyword_id), None)
        if keyword is None:
            raise NotFoundError("Record not found")
        return found, keyword

    async def update_keyword(
        self, account_id: int, keyword_id: int | None, keyword: str | None, whole_word: bool | None
    ) -> FilterKeyword:
        found, current = await self.keyword(account_id, keyword_id)
        changed = FilterKeyword(
            current.id, check_keyword(keyword), current.whole_word if whole_word is None else whole_word
        )
        await self.store.save(
            dataclasses.replace(found, keywords=tuple(changed if k.id == current.id else k for k in found.keywords))
        )
        return changed

    async def delete_keyword(self, account_id: int, keyword_id: int | None) -> None:
        found, current = await self.keyword(account_id, keyword_id)
        await self.store.save(
            dataclasses.replace(found, keywords=tuple(k for k in found.keywords if k.id != current.id))
        )

    async def add_status(self, account_id: int, filter_id: int | None, status_id: int | None) -> FilterStatus:
        found = await self.get(account_id, filter_id)
        if status_id is None:
            raise NotFoundError("Record not found")
        if self.statuses is not None:
            await self.statuses.visible(status_id, account_id)  # one the account may not see: 404
        if any(s.status_id == status_id for s in found.statuses):
            raise FilterRuleError("Status has already been taken")
        created = FilterStatus(new_id(), status_id)
        await self.store.save(dataclasses.replace(found, statuses=(*found.statuses, created)))
        return created

    async def status_filter(self, account_id: int, filter_status_id: int | None) -> tuple[Filter, FilterStatus]:
        filter_id = await self.store.filter_of_status(filter_status_id) if filter_status_id is not None else None
        found = await self.get(account_id, filter_id)
        status = next((s for s in found.statuses if s.id == filter_status_id), None)
        if status is None:
            raise NotFoundError("Record not found")
        return found, status

    async def delete_status(self, account_id: int, filter_status_id: int | None) -> None:
        found, current = await self.status_filter(account_id, filter_status_id)
        await self.store.save(
            dataclasses.replace(found, statuses=tuple(s for s in found.statuses if s.id != current.id))
        )

    # --- the v1 shim: one v1 filter per keyword -------------------------------------------------

    async def v1_list(self, account_id: int) -> list[tuple[Filter, FilterKeyword]]:
        return [(f, k) for f in await self.of_account(account_id) for k in f.keywords]

    async def v1_create(
        self,
        account_id: int,
        phrase: str | None,
        context: Sequence[str],
        *,
        irreversible: bool,
        whole_word: bool,
        expires_in: int | None,
    ) -> tuple[Filter, FilterKeyword]:
        phrase = (phrase or "").strip()
        if not phrase:
            raise FilterRuleError("Phrase can't be blank")
        created = await self.create(
            account_id,
            FilterChanges(
                title=phrase[:256],
                context=tuple(context),
                action="hide" if irreversible else "warn",
                expires_in=expires_in,
                keywords=(KeywordChange(keyword=phrase, whole_word=whole_word),),
            ),
        )
        return created, created.keywords[0]

    async def v1_update(
        self,
        account_id: int,
        keyword_id: int | None,
        phrase: str | None,
        context: Sequence[str] | None,
        *,
        irreversible: bool | None,
        whole_word: bool | None,
        expires_in: int | None,
        expires_in_given: bool,
    ) -> tuple[Filter, FilterKeyword]:
        found, keyword = await self.keyword(account_id, keyword_id)
        action = None if irreversible is None else ("hide" if irreversible else "warn")
        changes_group = (
            (context is not None and tuple(context) != found.context)
            or (action is not None and action != found.action)
            or expires_in_given
        )
        if changes_group and len(found.keywords) > 1:
            raise FilterRuleError(
                "This filter has several keywords: change its context, irreversible or expires_in with /api/v2/filters"
            )
        if phrase is not None and not phrase.strip():
            raise FilterRuleError("Phrase can't be blank")
        updated = await self.update(
            account_id,
            found.id,
            FilterChanges(
                context=tuple(context) if context is not None else None,
                action=action,
                expires_in=expires_in,
                expires_in_given=expires_in_given,
                keywords=(KeywordChange(id=keyword.id, keyword=phrase, whole_word=whole_word),),
            ),
        )
        return updated, next(k for k in updated.keywords if k.id == keyword.id)

    async def v1_delete(self, account_id: int, keyword_id: int | None) -> None:
        await self.delete_keyword(account_id, keyword_id)

    # --- applying -------------------------------------------------------------------------------

    async def active(self, viewer_id: int, context: str) -> list[Filter]:
        now = self.clock()
        return [f for f in await self.store.of_account(viewer_id) if f.active(context, now)]


def _check_sizes(found: Filter) -> None:
    if len(found.keywords) > MAX_KEYWORDS:
        raise FilterRuleError(f"A filter can have at most {MAX_KEYWORDS} keywords")
