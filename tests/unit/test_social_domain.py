"""Pure rules of the social core: text parsing and rendering, visibility, fan-out, pagination,
timeline filters and notification filters."""

from __future__ import annotations

import pytest

from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.notifications import should_notify, type_filter
from rookery.workloads.domain.pagination import PageRequest, clamp_limit, select_page, trim
from rookery.workloads.domain.statuses import (
    Draft,
    Forbidden,
    Status,
    StatusRuleError,
    ViewerContext,
    can_see,
    check_pinnable,
    check_reblog,
    validate_draft,
)
from rookery.workloads.domain.text import MentionTarget, extract_hashtags, extract_mentions, render_content
from rookery.workloads.domain.timelines import (
    TimelineEntry,
    collapse_reblogs,
    home_recipients,
    merge,
    pushes,
    still_visible,
    without_hidden,
)

AUTHOR, FOLLOWER, MENTIONED, STRANGER = 1, 2, 3, 4


def tag_url(tag: str) -> str:
    return f"https://x.test/tags/{tag}"


# --- text -------------------------------------------------------------------------------------


def test_mentions_are_distinct_case_insensitive_and_not_inside_urls_or_emails() -> None:
    text = "@Bob hi @bob and @carol@remote.example, mail me at a@b.org, see https://x.test/@dave"
    assert [m.acct for m in extract_mentions(text)] == ["Bob", "carol@remote.example"]


def test_hashtags_need_a_letter_and_are_lower_cased() -> None:
    assert extract_hashtags("#Cats #cats #1 #dogs_2 https://x.test/page#anchor &#39;") == ["cats", "dogs_2"]


def test_content_is_escaped_and_linked() -> None:
    html = render_content(
        "Hi @bob <script>\n#Tag https://example.com/a\n\nsecond @nobody",
        {"bob": MentionTarget("https://x.test/@bob", "bob")},
        tag_url,
    )
    assert html.startswith('<p>Hi <span class="h-card" translate="no"><a href="https://x.test/@bob"')
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert '<a href="https://x.test/tags/tag" class="mention hashtag" rel="tag">#<span>Tag</span></a>' in html
    assert '<br /><a href="https://x.test/tags/tag"' in html
    assert '<span class="invisible">https://</span><span class="">example.com/a</span>' in html
    assert html.endswith("</p><p>second @nobody</p>")  # an unknown mention stays text


def test_long_urls_get_an_ellipsis() -> None:
    url = "https://example.com/" + "a" * 60
    html = render_content(url, {}, tag_url)
    assert '<span class="ellipsis">' in html and f'href="{url}"' in html


def test_empty_text_renders_nothing() -> None:
    assert render_content("  \n ", {}, tag_url) == ""


# --- statuses ---------------------------------------------------------------------------------


def status(visibility: str, mentions: tuple[int, ...] = (MENTIONED,)) -> Status:
    return Status(
        id=1 << 20, account_id=AUTHOR, text="t", content="<p>t</p>", visibility=visibility, mentions=mentions
    )


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        # author, follower, mentioned, stranger, anonymous
        ("public", [True, True, True, True, True]),
        ("unlisted", [True, True, True, True, True]),
        ("private", [True, True, True, False, False]),
        ("direct", [True, False, True, False, False]),
    ],
)
def test_who_may_see(visibility: str, expected: list[bool]) -> None:
    contexts = [
        ViewerContext(AUTHOR),
        ViewerContext(FOLLOWER, follows_author=True),
        ViewerContext(MENTIONED),
        ViewerContext(STRANGER),
        ViewerContext(None),
    ]
    assert [can_see(status(visibility), ctx) for ctx in contexts] == expected


def test_blocks_hide_even_public_posts_but_not_from_the_author() -> None:
    assert not can_see(status("public"), ViewerContext(STRANGER, blocked=True))
    assert not can_see(status("direct"), ViewerContext(MENTIONED, blocked=True))
    assert can_see(status("direct"), ViewerContext(AUTHOR, blocked=True))


def test_drafts_are_validated() -> None:
    validate_draft(Draft("hello"))
    for draft in (
        Draft(""),
        Draft("x" * 501),
        Draft("x", visibility="world"),
        Draft("x", spoiler_text="s" * 501),
    ):
        with pytest.raises(StatusRuleError):
            validate_draft(draft)
    validate_draft(Draft("", visibility="public"), media_count=1)  # media alone is a post


def test_reblog_and_pin_rules() -> None:
    check_reblog(status("public"), STRANGER)
    check_reblog(status("private"), AUTHOR)  # a self-boost of a followers-only post
    for visibility, actor in (("private", FOLLOWER), ("direct", AUTHOR)):
        with pytest.raises(Forbidden):
            check_reblog(status(visibility), actor)
    check_pinnable(status("private"), AUTHOR, pinned_count=4)
    with pytest.raises(StatusRuleError, match="Someone else's post cannot be pinned"):
        check_pinnable(status("public"), STRANGER, pinned_count=0)
    with pytest.raises(StatusRuleError, match="already pinned the maximum"):
        check_pinnable(status("public"), AUTHOR, pinned_count=5)


# --- fan-out and home filters -----------------------------------------------------------------


def test_fan_out_decision_is_inclusive_of_the_threshold() -> None:
    assert pushes(0, 3) and pushes(3, 3) and not pushes(4, 3)


def test_home_recipients() -> None:
    assert home_recipients(AUTHOR, [FOLLOWER], visibility="public") == {AUTHOR, FOLLOWER}
    assert home_recipients(AUTHOR, [FOLLOWER], visibility="direct", mentioned=[MENTIONED]) == {
        AUTHOR,
        MENTIONED,
    }


def entry(
    status_id: int, account: int, reblog_of: int | None = None, reblog_account: int | None = None
) -> TimelineEntry:
    return TimelineEntry(status_id, account, reblog_of, reblog_account)


def test_merge_dedupes_and_orders_newest_first() -> None:
    merged = merge([entry(5, 1), entry(3, 1)], [entry(4, 2), entry(5, 1)])
    assert [e.status_id for e in merged] == [5, 4, 3]


def test_reblogs_of_a_shown_status_collapse_to_its_first_appearance() -> None:
    entries = [
        entry(9, 3, reblog_of=1, reblog_account=2),
        entry(8, 4, reblog_of=1, reblog_account=2),
        entry(1, 2),
    ]
    assert [e.status_id for e in collapse_reblogs(entries)] == [1]
    later = [entry(9, 3, reblog_of=1, reblog_account=2), entry(8, 4, reblog_of=1, reblog_account=2)]
    assert [e.status_id for e in collapse_reblogs(later)] == [8]


def test_muted_and_blocked_vanish_as_author_or_reblogged() -> None:
    relations = ViewerRelations(muting=frozenset({2}), blocked_by=frozenset({5}))
    entries = [entry(1, 2), entry(2, 3, reblog_of=1, reblog_account=2), entry(3, 5), entry(4, 3)]
    assert [e.status_id for e in without_hidden(entries, relations)] == [4]


def test_private_posts_and_replies_are_rechecked_on_read() -> None:
    following = ViewerRelations(following=frozenset({AUTHOR}))
    private = TimelineEntry(1, AUTHOR, visibility="private")
    assert still_visible(private, FOLLOWER, following)
    assert not still_visible(private, FOLLOWER, ViewerRelations())
    reply_to_stranger = TimelineEntry(2, AUTHOR, in_reply_to_account_id=STRANGER)
    assert not still_visible(reply_to_stranger, FOLLOWER, following)
    both = ViewerRelations(following=frozenset({AUTHOR, STRANGER}))
    assert still_visible(reply_to_stranger, FOLLOWER, both)
    assert still_visible(TimelineEntry(3, AUTHOR, in_reply_to_account_id=FOLLOWER), FOLLOWER, following)
    reblog = TimelineEntry(4, AUTHOR, reblog_of_id=9, reblog_account_id=STRANGER)
    assert still_visible(reblog, FOLLOWER, following)
    hiding = ViewerRelations(following=frozenset({AUTHOR}), hiding_reblogs=frozenset({AUTHOR}))
    assert not still_visible(reblog, FOLLOWER, hiding)


# --- pagination -------------------------------------------------------------------------------


def test_limits_clamp() -> None:
    assert (
        clamp_limit(None) == 20 and clamp_limit(0) == 20 and clamp_limit(1000) == 40 and clamp_limit(7) == 7
    )


def test_select_page_cursors() -> None:
    items = list(range(1, 11))
    assert select_page(items, PageRequest(limit=3), key=int) == [10, 9, 8]
    assert select_page(items, PageRequest(max_id=8, limit=3), key=int) == [7, 6, 5]
    assert select_page(items, PageRequest(since_id=4, limit=3), key=int) == [10, 9, 8]
    assert select_page(items, PageRequest(min_id=4, limit=3), key=int) == [7, 6, 5]
    assert select_page(items, PageRequest(min_id=4, max_id=6, limit=3), key=int) == [5]


def test_trim_keeps_the_side_the_cursor_points_at() -> None:
    assert trim([9, 8, 7, 6], PageRequest(limit=2)) == [9, 8]
    assert trim([9, 8, 7, 6], PageRequest(min_id=5, limit=2)) == [7, 6]


# --- notifications ----------------------------------------------------------------------------


def test_notification_rules() -> None:
    assert not should_notify(1, 1, ViewerRelations())
    assert should_notify(1, 2, ViewerRelations(muting=frozenset({2})))  # muted without notifications
    assert not should_notify(
        1, 2, ViewerRelations(muting=frozenset({2}), muting_notifications=frozenset({2}))
    )
    assert not should_notify(1, 2, ViewerRelations(blocking=frozenset({2})))
    assert type_filter(None, None) is None
    assert type_filter(["mention", "bogus"], None) == frozenset({"mention"})
    assert type_filter(None, ["follow"]) == frozenset(
        {"mention", "status", "reblog", "follow_request", "favourite", "poll", "update"}
    )


def test_client_ids_are_ascii_digits_only() -> None:
    from rookery.workloads.ids import parse_id

    assert parse_id("42") == 42 and parse_id(" 42 ") == 42
    for bad in ("\u00b2", "4\u00b2", "\u0661", "-1", "0", "9" * 20, "", "1e3", str(1 << 63)):
        assert parse_id(bad) is None, bad
