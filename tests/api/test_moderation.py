"""Moderation over HTTP: reports -> the admin queue -> moderators' actions; admin API permissions;
suspended and silenced accounts; automated decisions (hide, flag). Both API modes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from api_support import NOT_SPLIT, Api, User
from social_support import follow, home_ids, ids, post, settle

ADMIN_SCOPES = "read write follow push admin:read admin:write"


async def staff(api: Api, name: str = "mod", role: str = "moderator") -> User:
    return await api.make_user(name, scopes=ADMIN_SCOPES, role=role)


async def report(api: Api, reporter: User, target: User, **fields: object) -> dict:
    response = await api.client.post(
        "/api/v1/reports", headers=reporter.headers, json={"account_id": target.id, **fields}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def told(api: Api, user: User, *, refused: bool) -> None:
    """After a suspension or its lifting: every app's read filter, and the gateway's token check
    ([split]: told over pub/sub by the admin app that acted; one app knows at once)."""
    await api.moderation_told()
    await api.once_fanned_out(
        "GET",
        "/api/v1/accounts/verify_credentials",
        lambda r: (r.status_code == 403) is refused,
        headers=user.headers,
    )


async def queue(api: Api, moderator: User, **params: object) -> list[dict]:
    response = await api.client.get("/api/v1/admin/reports", headers=moderator.headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_report_reaches_the_queue_and_moderators_work_it(api: Api) -> None:
    alice, bob, mod = await api.make_user("alice"), await api.make_user("bob"), await staff(api)
    spam = await post(api, bob, "buy cheap followers now")
    filed = await report(api, alice, bob, status_ids=[spam["id"]], comment="spam", category="spam")
    assert filed["category"] == "spam" and filed["status_ids"] == [spam["id"]]
    assert filed["target_account"]["id"] == bob.id and filed["action_taken"] is False

    open_reports = await queue(api, mod)
    assert [r["id"] for r in open_reports] == [filed["id"]]
    entity = open_reports[0]
    assert entity["account"]["id"] == alice.id and entity["target_account"]["id"] == bob.id
    assert entity["target_account"]["account"]["username"] == "bob"
    assert [s["id"] for s in entity["statuses"]] == [spam["id"]]
    assert await queue(api, mod, target_account_id=alice.id) == []
    assert [r["id"] for r in await queue(api, mod, account_id=alice.id)] == [filed["id"]]

    base = f"/api/v1/admin/reports/{filed['id']}"
    assigned = await api.client.post(f"{base}/assign_to_self", headers=mod.headers)
    assert assigned.status_code == 200 and assigned.json()["assigned_account"]["id"] == mod.id
    unassigned = await api.client.post(f"{base}/unassign", headers=mod.headers)
    assert unassigned.json()["assigned_account"] is None
    resolved = await api.client.post(f"{base}/resolve", headers=mod.headers)
    assert resolved.json()["action_taken"] is True
    assert resolved.json()["action_taken_by_account"]["id"] == mod.id
    assert await queue(api, mod) == []
    assert [r["id"] for r in await queue(api, mod, resolved="true")] == [filed["id"]]
    reopened = await api.client.post(f"{base}/reopen", headers=mod.headers)
    assert reopened.json()["action_taken"] is False
    assert [r["id"] for r in await queue(api, mod)] == [filed["id"]]
    one = await api.client.get(base, headers=mod.headers)
    assert one.status_code == 200 and one.json()["id"] == filed["id"]


async def test_admin_api_needs_staff_and_admin_scopes(api: Api) -> None:
    alice = await api.make_user("alice", scopes=ADMIN_SCOPES)  # admin scopes, but not staff
    admin_without_scope = await api.make_user("boss", role="admin")  # staff, no admin scope
    mod = await staff(api)
    for user, expected in ((alice, 403), (admin_without_scope, 403), (mod, 200)):
        for path in ("/api/v1/admin/reports", "/api/v1/admin/accounts", "/api/v1/admin/dashboard"):
            response = await api.client.get(path, headers=user.headers)
            assert response.status_code == expected, (user.username, path, response.text)
            if expected == 403:
                assert "error" in response.json()
    acted = await api.client.post(
        f"/api/v1/admin/accounts/{mod.id}/action", headers=alice.headers, json={"type": "suspend"}
    )
    assert acted.status_code == 403
    assert (await api.client.get("/api/v1/admin/reports")).status_code == 401


async def test_bad_reports_and_actions_get_clear_errors(api: Api) -> None:
    alice, bob, mod = await api.make_user("alice"), await api.make_user("bob"), await staff(api)
    alices = await post(api, alice, "mine")
    cases = [
        ({}, 422),
        ({"account_id": "not-an-id"}, 404),
        ({"account_id": "123456789"}, 404),
        ({"account_id": bob.id, "category": "rude"}, 422),
        ({"account_id": bob.id, "category": "violation"}, 422),  # needs rule_ids
        ({"account_id": bob.id, "status_ids": [alices["id"]]}, 422),  # not bob's status
        ({"account_id": bob.id, "status_ids": ["x"]}, 422),
        ({"account_id": bob.id, "comment": "x" * 1001}, 422),
        ({"account_id": alice.id}, 422),  # yourself
    ]
    for body, expected in cases:
        response = await api.client.post("/api/v1/reports", headers=alice.headers, json=body)
        assert response.status_code == expected, (body, response.text)
        assert "error" in response.json()
    assert await queue(api, mod) == []
    for body, expected in (({"type": "ban"}, 422), ({}, 422), ({"type": "silence", "report_id": "1"}, 404)):
        response = await api.client.post(
            f"/api/v1/admin/accounts/{bob.id}/action", headers=mod.headers, json=body
        )
        assert response.status_code == expected, (body, response.text)
    unknown = await api.client.get("/api/v1/admin/reports/999999", headers=mod.headers)
    assert unknown.status_code == 404
    measures = await api.client.post("/api/v1/admin/measures", headers=mod.headers, json={"keys": ["nope"]})
    assert measures.status_code == 422


async def test_suspended_account_cannot_post_and_its_content_vanishes(api: Api) -> None:
    alice, bob, mod = await api.make_user("alice"), await api.make_user("bob"), await staff(api)
    await follow(api, alice, bob)
    await settle(api)
    bobs = await post(api, bob, "hello #bobtag", visibility="public")
    await settle(api)
    assert bobs["id"] in await home_ids(api, alice)
    filed = await report(api, alice, bob, status_ids=[bobs["id"]])

    acted = await api.client.post(
        f"/api/v1/admin/accounts/{bob.id}/action",
        headers=mod.headers,
        json={"type": "suspend", "report_id": filed["id"]},
    )
    assert acted.status_code == 200, acted.text
    await told(api, bob, refused=True)
    denied = await api.client.post("/api/v1/statuses", headers=bob.headers, json={"status": "still here?"})
    assert denied.status_code == 403 and denied.json()["error"]
    fav = await api.client.post(f"/api/v1/statuses/{bobs['id']}/favourite", headers=bob.headers)
    assert fav.status_code == 403
    assert bobs["id"] not in await home_ids(api, alice)
    assert bobs["id"] not in await ids(api, "/api/v1/timelines/public")
    assert bobs["id"] not in await ids(api, "/api/v1/timelines/tag/bobtag")
    assert (await api.client.get(f"/api/v1/statuses/{bobs['id']}", headers=alice.headers)).status_code == 404
    assert await queue(api, mod) == []  # the action resolved the report
    listed = await api.client.get("/api/v1/admin/accounts", headers=mod.headers, params={"suspended": "true"})
    assert [a["id"] for a in listed.json()] == [bob.id] and listed.json()[0]["suspended"] is True

    lifted = await api.client.post(f"/api/v1/admin/accounts/{bob.id}/unsuspend", headers=mod.headers)
    assert lifted.status_code == 200 and lifted.json()["suspended"] is False
    await told(api, bob, refused=False)
    again = await api.client.post("/api/v1/statuses", headers=bob.headers, json={"status": "back"})
    assert again.status_code == 200, again.text
    assert bobs["id"] in await ids(api, "/api/v1/timelines/public")


async def test_silenced_account_leaves_public_timelines_only(api: Api) -> None:
    bob, mod = await api.make_user("bob"), await staff(api)
    bobs = await post(api, bob, "quiet #hush")
    acted = await api.client.post(
        f"/api/v1/admin/accounts/{bob.id}/action", headers=mod.headers, json={"type": "silence"}
    )
    assert acted.status_code == 200
    await api.moderation_told()
    assert bobs["id"] not in await ids(api, "/api/v1/timelines/public")
    assert bobs["id"] not in await ids(api, "/api/v1/timelines/tag/hush")
    assert bobs["id"] in await ids(api, f"/api/v1/accounts/{bob.id}/statuses")
    one = await api.client.get(f"/api/v1/admin/accounts/{bob.id}", headers=mod.headers)
    assert one.json()["silenced"] is True
    await api.client.post(f"/api/v1/admin/accounts/{bob.id}/unsilence", headers=mod.headers)
    await api.moderation_told()
    assert bobs["id"] in await ids(api, "/api/v1/timelines/public")


async def test_automated_hide_removes_the_status_and_files_a_report(api: Api) -> None:
    alice, bob, mod = await api.make_user("alice"), await api.make_user("bob"), await staff(api)
    await follow(api, alice, bob)
    await settle(api)
    bad = await post(api, bob, "something awful #awful")
    fine = await post(api, bob, "something nice")
    await settle(api)
    assert bad["id"] in await home_ids(api, alice)

    moderation = api.container.admin.moderation
    filed = await moderation.apply_automated_decision(
        status_id=int(bad["id"]),
        decision="hide",
        labels=["toxic"],
        scores={"toxic": 0.97},
        source="model:test",
    )
    assert filed is not None
    assert await moderation.apply_automated_decision(status_id=int(fine["id"]), decision="allow") is None
    await api.moderation_told()
    home = await home_ids(api, alice)
    assert bad["id"] not in home and fine["id"] in home
    assert bad["id"] not in await ids(api, "/api/v1/timelines/public")
    assert bad["id"] not in await ids(api, "/api/v1/timelines/tag/awful")
    assert (await api.client.get(f"/api/v1/statuses/{bad['id']}", headers=alice.headers)).status_code == 404
    assert (await api.client.get(f"/api/v1/statuses/{bad['id']}", headers=bob.headers)).status_code == 200

    reports = await queue(api, mod)
    assert len(reports) == 1
    system = reports[0]
    assert system["account"] is None and system["target_account"]["id"] == bob.id
    assert system["source"] == "model:test" and system["labels"] == ["toxic"]
    assert system["scores"] == {"toxic": 0.97}
    assert [s["id"] for s in system["statuses"]] == [bad["id"]]

    # a second flag of the same source joins the open report
    await moderation.apply_automated_decision(status_id=int(fine["id"]), decision="flag", source="model:test")
    reports = await queue(api, mod)
    assert len(reports) == 1 and {s["id"] for s in reports[0]["statuses"]} == {bad["id"], fine["id"]}

    # moderators may put it back, or delete it
    assert (
        await api.client.post(f"/api/v1/admin/statuses/{bad['id']}/unhide", headers=mod.headers)
    ).status_code == 200
    await api.moderation_told()
    assert bad["id"] in await ids(api, "/api/v1/timelines/public")
    deleted = await api.client.delete(f"/api/v1/admin/statuses/{bad['id']}", headers=mod.headers)
    assert deleted.status_code == 200 and deleted.json()["id"] == bad["id"]
    assert (await api.client.get(f"/api/v1/statuses/{bad['id']}", headers=bob.headers)).status_code == 404
    denied = await api.client.delete(f"/api/v1/admin/statuses/{fine['id']}", headers=alice.headers)
    assert denied.status_code == 403


@pytest.mark.parametrize("decision", ["flag"])
async def test_automated_flag_of_an_account_is_a_system_report(api: Api, decision: str) -> None:
    bob, mod = await api.make_user("bob"), await staff(api)
    await api.container.admin.moderation.apply_automated_decision(
        account_id=bob.account_id, decision=decision, labels=["burst of follows"], source="model:anomaly"
    )
    reports = await queue(api, mod, target_account_id=bob.id)
    assert len(reports) == 1 and reports[0]["source"] == "model:anomaly"
    assert reports[0]["statuses"] == []


async def test_hidden_and_suspended_content_leaves_merged_home_timelines_too(app_factory) -> None:
    async with app_factory(fanout_threshold=0) as api:  # every author is merged on read
        alice, bob, mod = await api.make_user("alice"), await api.make_user("bob"), await staff(api)
        await follow(api, alice, bob)
        await settle(api)
        bad, fine = await post(api, bob, "awful"), await post(api, bob, "fine")
        await settle(api)
        assert {bad["id"], fine["id"]} <= set(await home_ids(api, alice))
        await api.container.admin.moderation.apply_automated_decision(
            status_id=int(bad["id"]), decision="hide"
        )
        await api.moderation_told()
        home = await home_ids(api, alice)
        assert bad["id"] not in home and fine["id"] in home
        await api.client.post(
            f"/api/v1/admin/accounts/{bob.id}/action", headers=mod.headers, json={"type": "suspend"}
        )
        await api.moderation_told()
        assert fine["id"] not in await home_ids(api, alice)


@pytest.mark.needs("redis")
# not [split]: it is this all along (the admin app never serves the reads)
@pytest.mark.parametrize("api_mode", NOT_SPLIT, indirect=True)
async def test_a_hidden_status_leaves_the_other_replica_before_its_reload(
    app_factory: Any, api_mode: str, stack_env: dict[str, str], tmp_path: Any
) -> None:
    """The acting replica tells the others over Redis pub/sub; their periodic reload is far off."""
    shared: dict[str, Any] = {"data_dir": tmp_path / "shared", "moderation_refresh_s": 3600.0}
    if api_mode == "embedded":  # production mode's replicas share Redis and the tenant already
        shared |= {"redis_url": stack_env["ROOKERY_REDIS_URL"], "tenant": f"t{uuid.uuid4().hex[:12]}"}
    async with app_factory(**shared) as one, app_factory(**shared) as two:
        alice, bob = await one.make_user("alice"), await one.make_user("bob")
        bad = await post(one, bob, "awful")
        path = f"/api/v1/statuses/{bad['id']}"
        assert (await two.client.get(path, headers=alice.headers)).status_code == 200
        await asyncio.sleep(0.5)  # both replicas are subscribed to the change feed
        moderation = one.container.admin.moderation
        await moderation.apply_automated_decision(status_id=int(bad["id"]), decision="hide")
        assert await _answers(two, path, alice, 404)
        await moderation.unhide_status(int(bad["id"]))
        assert await _answers(two, path, alice, 200)


async def _answers(api: Api, path: str, user: User, status: int) -> bool:
    for _ in range(100):
        if (await api.client.get(path, headers=user.headers)).status_code == status:
            return True
        await asyncio.sleep(0.05)
    return False
