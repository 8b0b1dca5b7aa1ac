"""ModerationService: reports and their queue, account actions and what they hide, automated
decisions on statuses."""

from __future__ import annotations

import pytest
from services_support import House

from rookery.workloads.domain.moderation import ModerationError
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.services.social import NotFoundError


async def test_report_rules(house: House) -> None:
    reporter, target, other = await house.user(), await house.user(), await house.user()
    theirs, not_theirs = await house.post(target, "bad"), await house.post(other, "fine")
    with pytest.raises(ModerationError):
        await house.moderation.report(reporter.id, reporter.id)
    with pytest.raises(ModerationError):
        await house.moderation.report(reporter.id, target.id, category="violation")  # needs rule_ids
    with pytest.raises(ModerationError):
        await house.moderation.report(reporter.id, target.id, category="boring")
    with pytest.raises(ModerationError):
        await house.moderation.report(reporter.id, target.id, status_ids=[not_theirs.id])
    with pytest.raises(NotFoundError):
        await house.moderation.report(reporter.id, 424242)
    report = await house.moderation.report(reporter.id, target.id, status_ids=[theirs.id, theirs.id], rule_ids=["1"])
    assert (report.category, report.status_ids, report.resolved) == ("violation", (theirs.id,), False)
    assert (await house.moderation.get_report(report.id)).comment == ""


async def test_the_queue_assign_resolve_reopen(house: House) -> None:
    reporter, target, moderator = await house.user(), await house.user(), await house.user(role="moderator")
    report = await house.moderation.report(reporter.id, target.id, comment="spam!", category="spam")
    assert (await house.moderation.assign(report.id, moderator.id)).assigned_account_id == moderator.id
    resolved = await house.moderation.resolve(report.id, moderator.id)
    assert resolved.resolved and resolved.action_taken_by_account_id == moderator.id
    assert not (await house.moderation.reopen(report.id)).resolved
    assert not (await house.moderation.get_report(report.id)).resolved
    with pytest.raises(NotFoundError):
        await house.moderation.resolve(424242, moderator.id)


async def test_suspension_hides_the_account_everywhere_and_lifting_brings_it_back(house: House) -> None:
    reporter, target, moderator = await house.user(), await house.user(), await house.user(role="admin")
    status = await house.post(target, "to be hidden")
    report = await house.moderation.report(reporter.id, target.id, status_ids=[status.id])
    with pytest.raises(ModerationError):  # the report is about someone else
        await house.moderation.act(moderator.id, reporter.id, "suspend", report_id=report.id)
    with pytest.raises(ModerationError):
        await house.moderation.act(moderator.id, moderator.id, "suspend")
    restrictions = await house.moderation.act(moderator.id, target.id, "suspend", report_id=report.id)
    assert restrictions.suspended and (await house.account(target.id)).suspended
    assert (await house.moderation.get_report(report.id)).resolved
    with pytest.raises(NotFoundError):
        await house.posts.visible(status.id, reporter.id)
    assert status.id not in [e.status_id for e in (await house.feed.public(None, PageRequest())).entries]
    lifted = await house.moderation.lift(target.id, "unsuspend")
    assert not lifted.suspended and not (await house.account(target.id)).suspended
    assert (await house.posts.visible(status.id, reporter.id)).id == status.id
    with pytest.raises(ModerationError):
        await house.moderation.lift(target.id, "forgive")


async def test_silence_keeps_posts_visible_but_out_of_public_timelines(house: House) -> None:
    target, moderator = await house.user(), await house.user(role="moderator")
    status = await house.post(target, "loud")
    await house.moderation.act(moderator.id, target.id, "silence")
    assert (await house.account(target.id)).silenced
    assert (await house.posts.visible(status.id, None)).id == status.id
    assert status.id not in [e.status_id for e in (await house.feed.public(None, PageRequest())).entries]
    await house.moderation.lift(target.id, "unsilence")
    assert status.id in [e.status_id for e in (await house.feed.public(None, PageRequest())).entries]


async def test_automated_decisions_hide_for_others_and_file_one_report_per_account(house: House) -> None:
    author, reader = await house.user(), await house.user()
    first, second = await house.post(author, "first"), await house.post(author, "second")
    assert await house.moderation.apply_automated_decision(status_id=first.id, decision="allow") is None
    report = await house.moderation.apply_automated_decision(status_id=first.id, decision="hide", labels=["spam"])
    assert report is not None and report.category == "spam" and report.account_id is None and report.automated
    with pytest.raises(NotFoundError):
        await house.posts.visible(first.id, reader.id)
    assert (await house.posts.visible(first.id, author.id)).id == first.id  # the author still sees it
    flagged = await house.moderation.apply_automated_decision(status_id=second.id, decision="flag")
    assert flagged is not None and flagged.id == report.id and flagged.status_ids == (first.id, second.id)
    assert (await house.posts.visible(second.id, reader.id)).id == second.id  # flag only queues it
    with pytest.raises(ModerationError):
        await house.moderation.apply_automated_decision(decision="flag")
    with pytest.raises(ModerationError):
        await house.moderation.apply_automated_decision(status_id=second.id, decision="burn")
    assert await house.moderation.unhide_status(first.id)
    assert (await house.posts.visible(first.id, reader.id)).id == first.id


async def test_a_moderator_deletes_a_status_and_its_counts(house: House) -> None:
    author, moderator = await house.user(), await house.user(role="moderator")
    status = await house.post(author, "gone soon")
    assert (await house.moderation.delete_status(moderator.id, status.id)).id == status.id
    with pytest.raises(NotFoundError):
        await house.posts.visible(status.id, author.id)
    assert (await house.account(author.id)).statuses_count == 0
    with pytest.raises(NotFoundError):
        await house.moderation.delete_status(moderator.id, status.id)
