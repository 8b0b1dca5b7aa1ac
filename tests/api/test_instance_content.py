"""The instance's own content: rules, extended description, privacy policy and terms of service
(Mastodon's public reads), written by admins through /api/v1/admin/rules and
/api/v1/admin/instance/<document>; and the weekly activity."""

from __future__ import annotations

import datetime as dt

from api_support import Api

from e2e.waiting import eventually_async


async def test_admins_write_rules_that_everyone_reads(api: Api) -> None:
    admin = await api.make_user("root", role="admin", scopes="read write admin:read admin:write")
    moderator = await api.make_user("mod", role="moderator", scopes="read write admin:read admin:write")
    user = await api.make_user("alice", scopes="read write admin:read admin:write")
    assert (await api.client.get("/api/v1/instance/rules")).json() == []
    first = await api.client.post(
        "/api/v1/admin/rules", headers=admin.headers, data={"text": " Be kind ", "hint": "Always."}
    )
    assert first.status_code == 200, first.text
    second = await api.client.post("/api/v1/admin/rules", headers=admin.headers, json={"text": "No spam"})
    rules = (await api.client.get("/api/v1/instance/rules")).json()
    assert rules == [
        {"id": first.json()["id"], "text": "Be kind", "hint": "Always.", "translations": {}},
        {"id": second.json()["id"], "text": "No spam", "hint": "", "translations": {}},
    ]
    assert (await api.client.get("/api/v1/instance")).json()["rules"] == rules
    assert (await api.client.get("/api/v2/instance")).json()["rules"] == rules
    # reorder and edit, then remove
    moved = await api.client.put(f"/api/v1/admin/rules/{second.json()['id']}", headers=admin.headers,
                                 data={"priority": "0", "text": "No spam, ever"})  # fmt: skip
    assert moved.status_code == 200 and moved.json()["text"] == "No spam, ever"
    assert [r["text"] for r in (await api.client.get("/api/v1/instance/rules")).json()] == ["No spam, ever", "Be kind"]
    removed = await api.client.delete(f"/api/v1/admin/rules/{first.json()['id']}", headers=admin.headers)
    assert removed.status_code == 200
    assert [r["text"] for r in (await api.client.get("/api/v1/admin/rules", headers=admin.headers)).json()] == [
        "No spam, ever"
    ]
    # bad input and the wrong people: nothing stored
    for bad in ({}, {"text": "  "}, {"text": "x" * 301}, {"text": "ok", "hint": "h" * 2001}):
        refused = await api.client.post("/api/v1/admin/rules", headers=admin.headers, json=bad)
        assert refused.status_code == 422, bad
    for other in (moderator, user):
        mine = await api.client.post("/api/v1/admin/rules", headers=other.headers, data={"text": "mine"})
        assert mine.status_code == 403
    assert (await api.client.post("/api/v1/admin/rules", data={"text": "anon"})).status_code == 401
    missing = await api.client.put("/api/v1/admin/rules/123", headers=admin.headers, data={"text": "x"})
    assert missing.status_code == 404
    assert (await api.client.delete("/api/v1/admin/rules/abc", headers=admin.headers)).status_code == 404
    assert len((await api.client.get("/api/v1/instance/rules")).json()) == 1


async def test_documents_have_defaults_and_are_admin_editable(api: Api) -> None:
    admin = await api.make_user("root", role="admin", scopes="read write admin:read admin:write")
    described = (await api.client.get("/api/v1/instance/extended_description")).json()
    assert described["content"] == f"<p>{api.settings.instance_description}</p>\n" and described["updated_at"]
    policy = (await api.client.get("/api/v1/instance/privacy_policy")).json()
    assert api.settings.contact_email in policy["content"]
    assert (await api.client.get("/api/v1/instance/terms_of_service")).status_code == 404
    written = await api.client.put(
        "/api/v1/admin/instance/privacy_policy", headers=admin.headers,
        data={"content": "We keep <little>.\n\nAsk us & we delete it.\nPromptly."},
    )  # fmt: skip
    assert written.status_code == 200, written.text
    policy = (await api.client.get("/api/v1/instance/privacy_policy")).json()
    assert policy["content"] == "<p>We keep &lt;little&gt;.</p>\n<p>Ask us &amp; we delete it.<br>\nPromptly.</p>\n"
    assert dt.datetime.fromisoformat(policy["updated_at"].replace("Z", "+00:00")).year >= 2026
    about = {"content": "About us."}
    await api.client.put("/api/v1/admin/instance/extended_description", headers=admin.headers, json=about)
    assert (await api.client.get("/api/v1/instance/extended_description")).json()["content"] == "<p>About us.</p>\n"
    terms = await api.client.put("/api/v1/admin/instance/terms_of_service", headers=admin.headers,
                                 json={"content": "Be nice.", "effective_date": "2026-01-15"})  # fmt: skip
    assert terms.status_code == 200, terms.text
    assert (await api.client.get("/api/v1/instance/terms_of_service")).json() == {
        "effective_date": "2026-01-15", "effective": True, "content": "<p>Be nice.</p>\n", "succeeded_by": None,
    }  # fmt: skip
    assert (await api.client.get("/api/v1/instance/terms_of_service/2026-01-15")).status_code == 200
    assert (await api.client.get("/api/v1/instance/terms_of_service/2025-01-01")).status_code == 404
    for document, body in (
        ("terms_of_service", {"content": ""}),
        ("terms_of_service", {"content": "x", "effective_date": "soon"}),
        ("privacy_policy", {"content": "x", "effective_date": "2026-01-01"}),
        ("privacy_policy", {"content": ["not", "text"]}),
        ("privacy_policy", {"content": "x" * 100_001}),
    ):
        refused = await api.client.put(f"/api/v1/admin/instance/{document}", headers=admin.headers, json=body)
        assert refused.status_code == 422, (document, body, refused.text)
    unknown = await api.client.put("/api/v1/admin/instance/about", headers=admin.headers, json={"content": "x"})
    assert unknown.status_code == 404
    user = await api.make_user("alice", scopes="read write admin:read admin:write")
    assert (await api.client.put("/api/v1/admin/instance/privacy_policy", headers=user.headers,
                                 json={"content": "mine"})).status_code == 403  # fmt: skip
    assert "We keep" in (await api.client.get("/api/v1/instance/privacy_policy")).json()["content"]


async def test_weekly_activity_counts_posts_and_sign_ups(api: Api) -> None:
    alice = await api.make_user("alice", via_http=True)
    for n in range(2):
        await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": f"week {n}"})
    weeks = (await api.client.get("/api/v1/instance/activity")).json()
    assert len(weeks) == 12
    assert all(set(week) == {"week", "statuses", "logins", "registrations"} for week in weeks)
    assert all(isinstance(value, str) for week in weeks for value in week.values())
    starts = [int(week["week"]) for week in weeks]
    assert starts == sorted(starts, reverse=True) and starts[0] - starts[1] == 7 * 86400
    monday = dt.datetime.fromtimestamp(starts[0], dt.UTC)
    assert monday.weekday() == 0 and monday.hour == 0 and monday.date() <= dt.datetime.now(dt.UTC).date()

    async def counted() -> dict[str, str] | None:
        week: dict[str, str] = (await api.client.get("/api/v1/instance/activity")).json()[0]
        return week if week["statuses"] == "2" and week["registrations"] == "1" else None

    # the analytics consumer counts as events arrive
    this_week = await eventually_async(counted, timeout_s=15.0, interval_s=0.1)
    assert this_week is not None and int(this_week["logins"]) >= 1
