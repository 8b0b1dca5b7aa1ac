"""Reports (admin role): ``POST /api/v1/reports`` files a report into the moderators' queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AccountViewsDep, AuthContext, Moderation, require_user
from rookery.workloads.api.errors import NotFound, Unprocessable
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.domain.moderation import MAX_COMMENT, Report
from rookery.workloads.ids import parse_id
from rookery.workloads.views.statuses import iso

router = APIRouter(tags=["moderation"])
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Report entity",
    "properties": {
        "id": {"type": "string"},
        "action_taken": {"type": "boolean"},
        "action_taken_at": {"type": "string", "nullable": True},
        "category": {"type": "string", "enum": ["spam", "legal", "violation", "other"]},
        "comment": {"type": "string"},
        "forwarded": {"type": "boolean"},
        "created_at": {"type": "string"},
        "status_ids": {"type": "array", "items": {"type": "string"}},
        "rule_ids": {"type": "array", "items": {"type": "string"}},
        "target_account": {"type": "object", "description": "Account"},
    },
}
REPORT: dict[int | str, dict[str, Any]] = {
    200: {"description": "Report", "content": {"application/json": {"schema": REPORT_SCHEMA}}}
}


def id_list(raw: list[str], name: str) -> list[int]:
    ids = []
    for value in raw:
        parsed = parse_id(value)
        if parsed is None:
            raise Unprocessable(f"{name} must be a list of ids")
        ids.append(parsed)
    return ids


def report_base(report: Report) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "action_taken": report.resolved,
        "action_taken_at": iso(report.action_taken_at) if report.action_taken_at else None,
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forward,
        "created_at": iso(report.created_at),
        "status_ids": [str(i) for i in report.status_ids],
        "rule_ids": list(report.rule_ids),
    }


@router.post("/api/v1/reports", summary="File a report", responses=REPORT)
async def file_report(
    request: Request,
    moderation: Moderation,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("write:reports")),
) -> Response:
    params = await read_params(request)
    raw_account = params.text("account_id")
    if not raw_account:
        raise Unprocessable("Validation failed: account_id is required")
    target = parse_id(raw_account)
    if target is None:
        raise NotFound()
    report = await moderation.report(
        ctx.user_id,
        target,
        status_ids=id_list(params.strings("status_ids"), "status_ids"),
        comment=params.text("comment", "", max_length=MAX_COMMENT) or "",
        category=params.text("category"),
        rule_ids=params.strings("rule_ids"),
        forward=bool(params.flag("forward", False)),
    )
    entity = report_base(report)
    entity["target_account"] = await accounts.one(target)
    return JsonResponse(entity)
