"""A NUL in any parameter is a 422 in both modes: PostgreSQL stores no NUL in text, so production
answered 500 where embedded mode stored it (the fuzz test found a media description; these are
the other ways in: form, JSON, query, nested objects and lists, a raw object handed to a service)."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Api

ADMIN_SCOPES = "read write follow push admin:read admin:write"
PUSH_KEYS = {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg",
}
CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "status text": ("post", "/api/v1/statuses", {"json": {"status": "a\x00b"}}),
    "poll option": (
        "post",
        "/api/v1/statuses",
        {"json": {"status": "poll", "poll": {"options": ["a\x00", "b"], "expires_in": 600}}},
    ),
    "filter keyword": (
        "post",
        "/api/v2/filters",
        {"json": {"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "a\x00b"}]}},
    ),
    "profile field, form": (
        "patch",
        "/api/v1/accounts/update_credentials",
        {"data": {"fields_attributes[0][name]": "a\x00", "fields_attributes[0][value]": "b"}},
    ),
    "list title": ("post", "/api/v1/lists", {"json": {"title": "a\x00"}}),
    "app redirect": ("post", "/api/v1/apps", {"json": {"client_name": "x", "redirect_uris": ["https://a.example/\x00"]}}),
    "push endpoint": (
        "post",
        "/api/v1/push/subscription",
        {"json": {"subscription": {"endpoint": "https://push.example/\x00", "keys": PUSH_KEYS}}},
    ),
    "a key": ("post", "/api/v1/push/subscription", {"json": {"data": {"alerts": {"men\x00tion": True}}}}),
    "query": ("get", "/api/v1/timelines/tag/a", {"params": {"any[]": "b\x00"}}),
    "announcement (admin)": ("post", "/api/v1/admin/announcements", {"json": {"text": "a\x00"}}),
    "rule (admin)": ("post", "/api/v1/admin/rules", {"json": {"text": "a\x00"}}),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_nul_anywhere_is_refused(api: Api, case: str) -> None:
    method, path, request = CASES[case]
    alice = await api.make_user("alice", role="admin", scopes=ADMIN_SCOPES)
    response = await getattr(api.client, method)(path, headers=alice.headers, **request)
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["error"]
    statuses = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert statuses.json() == []
