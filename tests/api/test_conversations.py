"""Direct conversations over HTTP (/api/v1/conversations): built from direct statuses by the
conversations consumer; each participant sees their own; others' stay private."""

from __future__ import annotations

from typing import Any

from api_support import Api, User
from social_support import post, settle


async def conversations(api: Api, user: User, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/conversations", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_direct_statuses_make_conversations_for_each_participant(api: Api) -> None:
    ana, ben, cy, eve = [await api.make_user(n) for n in ("ana", "ben", "cy", "eve")]
    first = await post(api, ana, f"@{ben.username} @{cy.username} hello you two", visibility="direct")
    await settle(api)
    (ana_view,) = await conversations(api, ana)
    assert ana_view["unread"] is False  # one's own post never makes a conversation unread
    assert sorted(a["id"] for a in ana_view["accounts"]) == sorted([ben.id, cy.id])
    assert ana_view["last_status"]["id"] == first["id"]
    (ben_view,) = await conversations(api, ben)
    assert ben_view["unread"] is True
    assert sorted(a["id"] for a in ben_view["accounts"]) == sorted([ana.id, cy.id])
    assert ben_view["id"] != ana_view["id"]  # each account has its own conversation row
    # a reply among the same people moves the same conversation
    reply = await post(
        api, ben, f"@{ana.username} @{cy.username} hi", visibility="direct", in_reply_to_id=first["id"]
    )
    await settle(api)
    (ana_view2,) = await conversations(api, ana)
    assert ana_view2["id"] == ana_view["id"] and ana_view2["last_status"]["id"] == reply["id"]
    assert ana_view2["unread"] is True
    # a different set of people is another conversation, listed first (newest last status)
    other = await post(api, ana, f"@{ben.username} only you", visibility="direct")
    await settle(api)
    listed = await conversations(api, ben)
    assert [c["last_status"]["id"] for c in listed] == [other["id"], reply["id"]]
    # nobody else has any; public posts make none
    await post(api, ana, f"@{eve.username} public mention")
    await settle(api)
    assert await conversations(api, eve) == []


async def test_read_delete_and_privacy(api: Api) -> None:
    ana, ben, eve = [await api.make_user(n) for n in ("ana", "ben", "eve")]
    await post(api, ana, f"@{ben.username} secret", visibility="direct")
    await settle(api)
    (conversation,) = await conversations(api, ben)
    cid = conversation["id"]
    # another account cannot read, mark or delete it: it does not exist for them
    path = f"/api/v1/conversations/{cid}"
    assert (await api.client.post(f"{path}/read", headers=eve.headers)).status_code == 404
    assert (await api.client.delete(path, headers=eve.headers)).status_code == 404
    (ana_conversation,) = await conversations(api, ana)
    ana_path = f"/api/v1/conversations/{ana_conversation['id']}"
    denied = await api.client.post(f"{ana_path}/read", headers=ben.headers)
    assert denied.status_code == 404
    assert (await conversations(api, ben))[0]["unread"] is True  # unchanged by the refused calls
    read = await api.client.post(f"/api/v1/conversations/{cid}/read", headers=ben.headers)
    assert read.status_code == 200 and read.json()["unread"] is False and read.json()["id"] == cid
    assert (await conversations(api, ben))[0]["unread"] is False
    removed = await api.client.delete(f"/api/v1/conversations/{cid}", headers=ben.headers)
    assert removed.status_code == 200 and removed.json() == {}
    assert await conversations(api, ben) == []
    assert len(await conversations(api, ana)) == 1  # the other side keeps theirs
    # bad input and auth
    assert (await api.client.post("/api/v1/conversations/abc/read", headers=ben.headers)).status_code == 404
    assert (await api.client.get("/api/v1/conversations")).status_code == 401
    app_only = await api.app_token()
    only_app = await api.client.get("/api/v1/conversations", headers={"Authorization": f"Bearer {app_only}"})
    assert only_app.status_code == 422
    bad_cursor = await api.client.get("/api/v1/conversations", headers=ben.headers, params={"max_id": "x"})
    assert bad_cursor.status_code == 422


async def test_deleting_the_status_moves_or_removes_the_conversation(api: Api) -> None:
    ana, ben = [await api.make_user(n) for n in ("ana", "ben")]
    first = await post(api, ana, f"@{ben.username} one", visibility="direct")
    second = await post(api, ana, f"@{ben.username} two", visibility="direct")
    await settle(api)
    assert (await conversations(api, ben))[0]["last_status"]["id"] == second["id"]
    await api.client.delete(f"/api/v1/statuses/{second['id']}", headers=ana.headers)
    await settle(api)
    assert (await conversations(api, ben))[0]["last_status"]["id"] == first["id"]
    await api.client.delete(f"/api/v1/statuses/{first['id']}", headers=ana.headers)
    await settle(api)
    assert await conversations(api, ben) == []


async def test_pagination_by_last_status(api: Api) -> None:
    ana = await api.make_user("ana")
    others = [await api.make_user(f"u{i}") for i in range(3)]
    made = [await post(api, ana, f"@{o.username} hi", visibility="direct") for o in others]
    await settle(api)
    page = await api.client.get("/api/v1/conversations", headers=ana.headers, params={"limit": 2})
    assert [c["last_status"]["id"] for c in page.json()] == [made[2]["id"], made[1]["id"]]
    assert 'rel="next"' in page.headers["link"]
    rest = await conversations(api, ana, max_id=made[1]["id"])
    assert [c["last_status"]["id"] for c in rest] == [made[0]["id"]]
