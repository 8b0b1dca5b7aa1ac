"""ModerationStore contract over SQLite and PostgreSQL (needs("postgres"))."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.moderation import PostgresModerationStore
from rookery.workloads.adapters.sqlite import moderation as sqlite_moderation
from rookery.workloads.domain.moderation import AccountFilter, AccountRestrictions, HiddenStatus, Report, ReportFilter
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ports.admin import ModerationStore


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    sqlite = sqlite_moderation
    return await store_db.store(sqlite.MIGRATIONS, sqlite.SqliteModerationStore, PostgresModerationStore)


def page(**cursors: int) -> PageRequest:
    return PageRequest(limit=cursors.pop("limit", 20), **cursors)


async def test_reports_round_trip_and_filter(store: ModerationStore) -> None:
    user = Report(100, target_account_id=2, account_id=1, category="spam", comment="ads", status_ids=(7, 8))
    system = Report(
        101, 3, None, source="model:moderation", labels=("toxic",), scores={"toxic": 0.93}, rule_ids=("1",)
    )
    await store.add_report(user)
    await store.add_report(system)
    got = await store.get_report(100)
    assert got is not None and got.status_ids == (7, 8) and got.category == "spam" and got.account_id == 1
    auto = await store.get_report(101)
    assert (
        auto is not None and auto.automated and auto.labels == ("toxic",) and auto.scores == {"toxic": 0.93}
    )
    assert auto.rule_ids == ("1",)
    assert await store.get_report(999) is None
    assert [r.id for r in await store.reports(ReportFilter(), page())] == [101, 100]
    assert [r.id for r in await store.reports(ReportFilter(account_id=1), page())] == [100]
    assert [r.id for r in await store.reports(ReportFilter(target_account_id=3), page())] == [101]
    assert [r.id for r in await store.reports(ReportFilter(), page(max_id=101))] == [100]
    assert [r.id for r in await store.reports(ReportFilter(), page(min_id=100))] == [101]
    assert [r.id for r in await store.reports(ReportFilter(), page(limit=1))] == [101]


async def test_resolution_assignment_and_counts(store: ModerationStore) -> None:
    report = Report(200, 2, 1)
    await store.add_report(report)
    assert await store.count_reports(False) == 1 and await store.count_reports(True) == 0
    report.assign(9)
    report.resolve(9)
    report.status_ids = (5,)
    await store.save_report(report)
    saved = await store.get_report(200)
    assert saved is not None and saved.resolved and saved.assigned_account_id == 9
    assert saved.action_taken_by_account_id == 9 and saved.status_ids == (5,)
    assert abs((saved.action_taken_at - report.action_taken_at).total_seconds()) < 0.01  # type: ignore[operator]
    assert [r.id for r in await store.reports(ReportFilter(resolved=True), page())] == [200]
    assert await store.reports(ReportFilter(resolved=False), page()) == []
    assert await store.count_reports(True) == 1 and await store.count_reports(False) == 0
    saved.reopen()
    await store.save_report(saved)
    assert [r.id for r in await store.reports(ReportFilter(resolved=False), page())] == [200]


async def test_open_report_for_source(store: ModerationStore) -> None:
    await store.add_report(Report(300, 2, None, source="model:moderation"))
    await store.add_report(Report(301, 2, 5))
    found = await store.open_report_for(2, "model:moderation")
    assert found is not None and found.id == 300
    assert await store.open_report_for(2, "model:anomaly") is None
    found.resolve(1)
    await store.save_report(found)
    assert await store.open_report_for(2, "model:moderation") is None


async def test_restrictions_and_account_list(store: ModerationStore) -> None:
    for account_id in (10, 11, 12):
        await store.track_account(account_id)
    await store.track_account(10)  # idempotent
    fresh = await store.restrictions(10)
    assert fresh is not None and not (fresh.suspended or fresh.silenced or fresh.sensitized or fresh.disabled)
    suspended = AccountRestrictions(11)
    suspended.apply("suspend")
    silenced = AccountRestrictions(12)
    silenced.apply("silence")
    silenced.apply("sensitive")
    await store.save_restrictions(suspended)
    await store.save_restrictions(silenced)
    assert await store.restricted() == ({11}, {12})
    all_ids = [r.account_id for r in await store.accounts(AccountFilter(), page())]
    assert all_ids == [12, 11, 10]
    assert [r.account_id for r in await store.accounts(AccountFilter(suspended=True), page())] == [11]
    assert [r.account_id for r in await store.accounts(AccountFilter(sensitized=True), page())] == [12]
    assert [r.account_id for r in await store.accounts(AccountFilter(active=True), page())] == [10]
    assert [r.account_id for r in await store.accounts(AccountFilter(), page(max_id=12, limit=1))] == [11]
    many = await store.restrictions_many([11, 12, 99])
    assert set(many) == {11, 12} and many[12].silenced and many[12].sensitized and not many[12].suspended
    suspended.lift("unsuspend")
    await store.save_restrictions(suspended)
    assert await store.restricted() == (set(), {12})
    assert await store.restrictions_many([]) == {}


async def test_hidden_statuses(store: ModerationStore) -> None:
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    assert await store.hide_status(HiddenStatus(500, 2, 300, at)) is True
    assert await store.hide_status(HiddenStatus(500, 2, 300, at)) is False
    assert await store.hide_status(HiddenStatus(501, 3, None, at)) is True
    assert await store.hidden_statuses() == {500: 2, 501: 3}
    assert await store.unhide_status(500) is True
    assert await store.unhide_status(500) is False
    assert await store.hidden_statuses() == {501: 3}
