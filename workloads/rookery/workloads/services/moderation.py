"""Moderation use cases (admin role): user reports, the moderators' queue, actions on accounts and
statuses, and the hook for automated decisions (``apply_automated_decision``).

Read paths stay cheap: hidden statuses and suspended / silenced authors live in in-process sets
(loaded at start, changed at once on this replica; the others reload theirs when told over the
Realtime port, ``MODERATION_CHANNEL``, and every ``refresh_s`` in case a message was lost: in
topology split the admin role that acts is never the process that serves the reads);
``visible`` is a plain set lookup the posts and feed read paths call without awaiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from rookery.workloads.domain import analytics
from rookery.workloads.domain.events import POSTS
from rookery.workloads.domain.moderation import (
    AccountFilter,
    AccountRestrictions,
    AutomatedDecision,
    HiddenStatus,
    ModerationError,
    Report,
    ReportFilter,
    now,
    validate_report,
)
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import DIRECT, PRIVATE, PUBLIC, UNLISTED, Status, StatusQuery
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ids import new_id
from rookery.workloads.ports.admin import ModerationStore
from rookery.workloads.ports.analytics import TrendStore
from rookery.workloads.ports.edge import Realtime
from rookery.workloads.ports.feed import TimelineStore
from rookery.workloads.services.posts import PostsService, status_key
from rookery.workloads.services.social import STATUS_DELETED, NotFoundError, event, status_payload

log = logging.getLogger(__name__)
MODERATION_CHANNEL = "moderation.filter"  # on the Realtime port: "reload" after every change
SUSPENSION_SWEEP = 2000  # newest statuses of a suspended account taken out of home timelines


class ModeratedAccounts(Protocol):
    """The accounts role as moderation uses it (``AccountsService`` satisfies it)."""

    async def get(self, account_id: int) -> Any: ...

    async def moderate(
        self, account_id: int, *, suspended: bool | None = None, silenced: bool | None = None
    ) -> Any: ...

    async def adjust_counts(self, account_id: int, *, statuses: int = 0) -> None: ...


class SearchRemover(Protocol):
    async def remove_statuses(self, status_ids: Sequence[int]) -> None: ...


@dataclasses.dataclass(slots=True)
class ReadFilter:
    """What the read paths consult: in-process sets, never awaited."""

    hidden: dict[int, int] = dataclasses.field(default_factory=dict)  # status id -> author
    suspended: set[int] = dataclasses.field(default_factory=set)
    silenced: set[int] = dataclasses.field(default_factory=set)
    generation: int = 0  # moves when a reload changes any of them (views/pages.py keys on it)

    def visible(self, status: Status, viewer_id: int | None) -> bool:
        if status.account_id in self.suspended:
            return False
        return status.id not in self.hidden or status.account_id == viewer_id

    def in_public(self, status: Status) -> bool:
        return status.account_id not in self.silenced

    def entry_visible(self, entry: TimelineEntry, viewer_id: int | None) -> bool:
        """A home timeline entry merged on read (a celebrity's post, or a reblog of one)."""
        for status_id in (entry.status_id, entry.reblog_of_id):
            if status_id in self.hidden and self.hidden[status_id] != viewer_id:
                return False
        return not (self.suspended and (set(entry.accounts()) & self.suspended))


class ModerationService:
    def __init__(
        self,
        store: ModerationStore,
        accounts: ModeratedAccounts,
        posts: PostsService,
        timelines: TimelineStore | None,
        *,
        counters: TrendStore | None = None,
        search: SearchRemover | None = None,
        refresh_s: float = 5.0,
        read_filter: ReadFilter | None = None,
        realtime: Realtime | None = None,
    ) -> None:
        self.store = store
        self.realtime = realtime
        self.accounts = accounts
        self.posts = posts
        self.timelines = timelines
        self.counters = counters
        self.search = search
        self.refresh_s = refresh_s
        self.filter = read_filter if read_filter is not None else ReadFilter()
        self._refresher: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self.on_decision: Callable[[str], Awaitable[None]] | None = None

    # --- lifecycle: the in-process read filter ------------------------------------------------

    async def reload(self) -> None:
        hidden = await self.store.hidden_statuses()
        suspended, silenced = await self.store.restricted()
        kept = self.filter
        if (hidden, suspended, silenced) != (kept.hidden, kept.suspended, kept.silenced):
            kept.hidden, kept.suspended, kept.silenced = hidden, suspended, silenced
            kept.generation += 1

    async def start(self) -> None:
        await self.reload()
        self._refresher = asyncio.create_task(self._refresh_forever())
        if self.realtime is not None:
            self._listener = asyncio.create_task(self._listen(self.realtime))

    async def stop(self) -> None:
        for task in (self._refresher, self._listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _changed(self) -> None:
        """After this process changed its filter in place: a new generation, and the other
        processes told to reload theirs (a lost message: their refresh)."""
        self.filter.generation += 1
        if self.realtime is None:
            return
        try:
            await self.realtime.publish(MODERATION_CHANNEL, b"reload")
        except Exception:  # the action is stored: the others' periodic reload catches up
            log.warning("moderation: could not announce a change", exc_info=True)

    async def _listen(self, realtime: Realtime) -> None:
        while True:
            try:
                async for _channel, _message in realtime.subscribe([MODERATION_CHANNEL]):
                    await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the pub/sub server went away: resubscribe shortly
                log.warning("moderation: change feed interrupted: %r", exc)
                await asyncio.sleep(1.0)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                await self.reload()
            except Exception:  # a store outage must not end the loop; the next turn retries
                log.warning("moderation filter reload failed", exc_info=True)

    # --- reports ------------------------------------------------------------------------------

    async def report(
        self,
        reporter_id: int,
        target_account_id: int,
        *,
        status_ids: Sequence[int] = (),
        comment: str = "",
        category: str | None = None,
        rule_ids: Sequence[str] = (),
        forward: bool = False,
    ) -> Report:
        ids = tuple(dict.fromkeys(status_ids))
        chosen = validate_report(reporter_id, target_account_id, category, comment, ids, tuple(rule_ids))
        if await self.accounts.get(target_account_id) is None:
            raise NotFoundError("Record not found")
        if ids:
            found = await self.posts.get_many_visible(ids, reporter_id)
            if len(found) != len(ids) or any(s.account_id != target_account_id for s in found):
                raise ModerationError("status_ids must be statuses of the reported account")
        report = Report(
            new_id(),
            target_account_id,
            reporter_id,
            category=chosen,
            comment=comment,
            status_ids=ids,
            rule_ids=tuple(rule_ids),
            forward=forward,
        )
        await self._file(report)
        return report

    async def _file(self, report: Report) -> None:
        await self.store.track_account(report.target_account_id)
        await self.store.add_report(report)
        await self._count(analytics.OPENED_REPORTS)

    async def _count(self, name: str) -> None:
        if self.counters is not None:
            await self.counters.count(name, analytics.day_of(now()))

    async def get_report(self, report_id: int) -> Report:
        report = await self.store.get_report(report_id)
        if report is None:
            raise NotFoundError("Record not found")
        return report

    async def reports(self, query: ReportFilter, page: PageRequest) -> list[Report]:
        return await self.store.reports(query, page)

    async def assign(self, report_id: int, moderator_id: int | None) -> Report:
        report = await self.get_report(report_id)
        report.assign(moderator_id)
        await self.store.save_report(report)
        return report

    async def resolve(self, report_id: int, moderator_id: int) -> Report:
        report = await self.get_report(report_id)
        if not report.resolved:
            report.resolve(moderator_id)
            await self.store.save_report(report)
            await self._count(analytics.RESOLVED_REPORTS)
        return report

    async def reopen(self, report_id: int) -> Report:
        report = await self.get_report(report_id)
        if report.resolved:
            report.reopen()
            await self.store.save_report(report)
        return report

    # --- accounts -----------------------------------------------------------------------------

    async def restrictions(self, account_id: int) -> AccountRestrictions:
        if await self.accounts.get(account_id) is None:
            raise NotFoundError("Record not found")
        found = await self.store.restrictions(account_id)
        if found is None:
            await self.store.track_account(account_id)
            found = AccountRestrictions(account_id)
        return found

    async def known_accounts(self, query: AccountFilter, page: PageRequest) -> list[AccountRestrictions]:
        return await self.store.accounts(query, page)

    async def act(
        self, moderator_id: int, account_id: int, action: str, *, report_id: int | None = None
    ) -> AccountRestrictions:
        """Mastodon's account action; with ``report_id`` the report is resolved too."""
        report = await self.get_report(report_id) if report_id is not None else None
        if report is not None and report.target_account_id != account_id:
            raise ModerationError("report_id is a report about another account")
        if moderator_id == account_id and action != "none":
            raise ModerationError("You cannot act on your own account")
        restrictions = await self.restrictions(account_id)
        restrictions.apply(action)
        await self.store.save_restrictions(restrictions)
        if action == "suspend":
            await self.accounts.moderate(account_id, suspended=True)
            self.filter.suspended.add(account_id)
            await self._withdraw_content(account_id)
        elif action == "disable":
            await self.accounts.moderate(account_id, suspended=True)  # the token gate refuses logins
        elif action == "silence":
            await self.accounts.moderate(account_id, silenced=True)
            self.filter.silenced.add(account_id)
        await self._changed()
        if report is not None:
            await self.resolve(report.id, moderator_id)
        return restrictions

    async def lift(self, account_id: int, what: str) -> AccountRestrictions:
        restrictions = await self.restrictions(account_id)
        restrictions.lift(what)
        await self.store.save_restrictions(restrictions)
        if what == "unsuspend":
            self.filter.suspended.discard(account_id)
            await self.accounts.moderate(account_id, suspended=restrictions.disabled)
        elif what == "enable":
            await self.accounts.moderate(account_id, suspended=restrictions.suspended)
        elif what == "unsilence":
            self.filter.silenced.discard(account_id)
            await self.accounts.moderate(account_id, silenced=False)
        await self._changed()
        return restrictions

    async def _withdraw_content(self, account_id: int) -> None:
        """A suspended account's statuses leave home timelines and search (the read filter hides
        them everywhere else)."""
        ids: list[int] = []
        page = PageRequest(limit=200)
        query = StatusQuery(account_id=account_id, visibilities=(PUBLIC, UNLISTED, PRIVATE, DIRECT))
        while len(ids) < SUSPENSION_SWEEP:
            found = await self.posts.statuses.query(query, page)
            if not found:
                break
            ids.extend(s.id for s in found)
            page = PageRequest(max_id=found[-1].id, limit=200)
        if ids and self.timelines is not None:
            await self.timelines.remove(ids)
        if ids and self.search is not None:
            await self.search.remove_statuses(ids)

    # --- statuses -----------------------------------------------------------------------------

    async def delete_status(self, moderator_id: int, status_id: int) -> Status:
        """A moderator deletes someone's status (as its author could; the events are the same)."""
        status = await self.posts.statuses.get(status_id)
        if status is None:
            raise NotFoundError("Record not found")
        rebloggers = await self.posts.statuses.reblogger_ids(status.id)
        deleted = event(STATUS_DELETED, status.account_id, status_payload(status), self.posts.tenant)
        removed = await self.posts.statuses.delete(status.id, [(POSTS, deleted)])
        if not removed:
            raise NotFoundError("Record not found")
        await self.accounts.adjust_counts(status.account_id, statuses=-1)
        for reblogger in rebloggers:
            await self.accounts.adjust_counts(reblogger, statuses=-1)
        touched = [*removed, *(i for i in (status.in_reply_to_id, status.reblog_of_id) if i is not None)]
        await self.posts.entities.invalidate(status_key(i) for i in touched)
        await self.store.unhide_status(status.id)
        self.filter.hidden.pop(status.id, None)
        await self._changed()
        return status

    async def hide_status(self, status: Status, report_id: int | None) -> None:
        if await self.store.hide_status(HiddenStatus(status.id, status.account_id, report_id, now())):
            self.filter.hidden[status.id] = status.account_id
            await self._changed()
        if self.timelines is not None:
            await self.timelines.remove([status.id])
        if self.search is not None:
            await self.search.remove_statuses([status.id])
        # leaves the tag trends too: whoever claims the status's tag count first decides (the
        # aggregator counts it only if it claims first; here we take back what it counted)
        if self.counters is not None and not await self.counters.first_time(analytics.tag_claim(status.id)):
            bucket = analytics.bucket_of(status.created_at)
            for tag in status.tags:
                await self.counters.add(analytics.TAG, tag.lower(), bucket, -1.0)

    async def unhide_status(self, status_id: int) -> bool:
        self.filter.hidden.pop(status_id, None)
        found = await self.store.unhide_status(status_id)
        await self._changed()
        return found

    # --- automated decisions --------------------------------------------------------------------

    async def apply_automated_decision(
        self,
        *,
        status_id: int | None = None,
        account_id: int | None = None,
        decision: str,
        labels: Sequence[str] = (),
        scores: dict[str, Any] | None = None,
        source: str = "model:moderation",
    ) -> Report | None:
        """allow: nothing; flag: a system report in the queue; hide: the status is hidden (out of
        timelines, search and public views, kept for review) and a report filed. Returns the
        report filed (or extended), None for allow or a status that no longer exists."""
        verdict = AutomatedDecision.of(decision, labels, scores, source)
        if self.on_decision is not None:
            await self.on_decision(verdict.decision)
        if verdict.decision == "allow":
            return None
        status: Status | None = None
        if status_id is not None:
            status = await self.posts.statuses.get(status_id)
            if status is None:
                return None
            account_id = status.account_id
        if account_id is None:
            raise ModerationError("give status_id or account_id")
        report = await self._system_report(account_id, status, verdict)
        if status is not None and verdict.decision == "hide":
            await self.hide_status(status, report.id)
        return report

    async def _system_report(
        self, account_id: int, status: Status | None, verdict: AutomatedDecision
    ) -> Report:
        """One open report per account and source: later decisions add their status to it."""
        open_report = await self.store.open_report_for(account_id, verdict.source)
        if open_report is not None:
            if status is not None and status.id not in open_report.status_ids:
                open_report.status_ids = (*open_report.status_ids, status.id)
            open_report.labels = tuple(dict.fromkeys((*open_report.labels, *verdict.labels)))
            open_report.scores = {**open_report.scores, **verdict.scores}
            open_report.updated_at = now()
            await self.store.save_report(open_report)
            return open_report
        report = Report(
            new_id(),
            account_id,
            None,
            category="spam" if "spam" in verdict.labels else "other",
            comment=verdict.comment(),
            status_ids=(status.id,) if status is not None else (),
            source=verdict.source,
            labels=verdict.labels,
            scores=verdict.scores,
        )
        await self._file(report)
        return report
