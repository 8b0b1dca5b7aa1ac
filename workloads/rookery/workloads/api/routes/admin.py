"""Admin API (admin role), Mastodon's shape: the moderation queue (``/api/v1/admin/reports``),
accounts and the actions on them (``/api/v1/admin/accounts``), ``POST /api/v1/admin/measures``;
our extensions: ``DELETE /api/v1/admin/statuses/:id``, ``POST /api/v1/admin/statuses/:id/unhide``
and ``GET /api/v1/admin/dashboard``.

Every route needs an ``admin:read`` / ``admin:write`` scope (or the granular ``admin:*:reports`` /
``admin:*:accounts``) AND a staff account (moderator or admin role): others get 403.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import (
    Accounts,
    Analytics,
    AppSettings,
    AuthContext,
    Bus,
    Moderation,
    Outboxes,
    StatusViewsDep,
    require_user,
)
from rookery.workloads.api.errors import Forbidden, NotFound, Unprocessable
from rookery.workloads.api.pagination import page_of, paged
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.reports import report_base
from rookery.workloads.api.social import path_id
from rookery.workloads.domain import analytics
from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.moderation import (
    ACCOUNT_ACTIONS,
    AccountFilter,
    AccountRestrictions,
    Report,
    ReportFilter,
)
from rookery.workloads.ids import parse_id
from rookery.workloads.ports.events import EventBus, Outbox
from rookery.workloads.services.accounts import AccountsService
from rookery.workloads.services.analytics import days_between
from rookery.workloads.services.moderation import ModerationService
from rookery.workloads.views.accounts import render_account
from rookery.workloads.views.statuses import StatusViews, iso

router = APIRouter(tags=["admin"])
NOT_STAFF = "This action is not allowed"
OBJECT: dict[str, Any] = {"type": "object"}


def _doc(description: str, schema: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": description, "content": {"application/json": {"schema": schema or OBJECT}}},
        403: {"description": "Not a moderator or admin, or the token lacks the admin scope"},
    }


ADMIN_ACCOUNT = _doc("Admin::Account")
ADMIN_ACCOUNTS = _doc("Admin::Account list", {"type": "array", "items": OBJECT})
ADMIN_REPORT = _doc("Admin::Report (plus source, labels, scores of automated reports)")
ADMIN_REPORTS = _doc("Admin::Report list", {"type": "array", "items": OBJECT})
DASHBOARD = _doc(
    "Platform numbers (Rookery extension)",
    {
        "type": "object",
        "properties": {
            "accounts": {"type": "object", "description": "new_today, new_7d, active_today, active_7d"},
            "statuses": {"type": "object", "description": "today, last_7d"},
            "interactions": {"type": "object", "description": "today, last_7d"},
            "reports": {"type": "object", "description": "open, resolved"},
            "moderation": {"type": "object", "description": "hidden statuses, suspended, silenced accounts"},
            "queues": {"type": "object", "description": "outbox_backlog, consumer_lag"},
        },
    },
)


def staff(*scopes: str) -> Callable[..., Awaitable[AuthContext]]:
    check = require_user(*scopes)

    async def dependency(request: Request, accounts: Accounts) -> AuthContext:
        ctx = await check(request)
        account = await accounts.get(ctx.user_id)
        if account is None or not account.is_staff:
            raise Forbidden(NOT_STAFF)
        return ctx

    return dependency


READ_REPORTS = staff("admin:read:reports")
WRITE_REPORTS = staff("admin:write:reports")
READ_ACCOUNTS = staff("admin:read:accounts")
WRITE_ACCOUNTS = staff("admin:write:accounts")


def _role(account: Account) -> dict[str, Any]:
    return {
        "id": {"user": "-99", "moderator": "1", "admin": "2"}.get(account.role, "-99"),
        "name": "" if account.role == "user" else account.role.capitalize(),
        "permissions": "1" if account.role == "admin" else "0",
        "color": "",
        "highlighted": account.role != "user",
    }


def admin_account(
    account: Account, restrictions: AccountRestrictions | None, base_url: str
) -> dict[str, Any]:
    r = restrictions or AccountRestrictions(account.id)
    return {
        "id": str(account.id),
        "username": account.username,
        "domain": None,
        "created_at": iso(account.created_at),
        "email": account.email,
        "ip": None,
        "ips": [],
        "locale": account.language or "",
        "invite_request": None,
        "role": _role(account),
        "confirmed": True,
        "approved": True,
        "disabled": r.disabled,
        "silenced": r.silenced or account.silenced,
        "suspended": r.suspended or account.suspended,
        "sensitized": r.sensitized,
        "account": render_account(account, base_url),
    }


@dataclasses.dataclass(frozen=True)
class Desk:
    """What the admin API works with: accounts, moderation, Status entities, the public base URL."""

    accounts: AccountsService
    moderation: ModerationService
    statuses: StatusViews
    base_url: str


async def desk(accounts: Accounts, moderation: Moderation, statuses: StatusViewsDep, settings: AppSettings) -> Desk:
    return Desk(accounts, moderation, statuses, settings.base_url)


AdminDesk = Annotated[Desk, Depends(desk)]


async def _admin_accounts(desk: Desk, ids: list[int]) -> dict[int, dict[str, Any]]:
    accounts = await desk.accounts.get_many(ids)
    restrictions = await desk.moderation.store.restrictions_many(ids)
    return {i: admin_account(a, restrictions.get(i), desk.base_url) for i, a in accounts.items()}


async def _admin_reports(desk: Desk, reports: list[Report]) -> list[dict[str, Any]]:
    account_ids = {
        i
        for r in reports
        for i in (r.account_id, r.target_account_id, r.assigned_account_id, r.action_taken_by_account_id)
        if i is not None
    }
    accounts = await _admin_accounts(desk, sorted(account_ids))
    status_ids = sorted({i for r in reports for i in r.status_ids})
    statuses = {int(s["id"]): s for s in await desk.statuses.render(status_ids, None)} if status_ids else {}
    rendered = []
    for report in reports:
        entity = report_base(report)
        entity.pop("status_ids")
        entity.update(
            updated_at=iso(report.updated_at),
            account=accounts.get(report.account_id) if report.account_id is not None else None,
            target_account=accounts.get(report.target_account_id),
            assigned_account=accounts.get(report.assigned_account_id) if report.assigned_account_id else None,
            action_taken_by_account=(
                accounts.get(report.action_taken_by_account_id) if report.action_taken_by_account_id else None
            ),
            statuses=[statuses[i] for i in report.status_ids if i in statuses],
            rules=[{"id": i, "text": ""} for i in report.rule_ids],
            source=report.source,
            labels=list(report.labels),
            scores=report.scores,
        )
        rendered.append(entity)
    return rendered


def _optional_id(params: Params, name: str) -> int | None:
    raw = params.text(name)
    if raw is None or raw == "":
        return None
    parsed = parse_id(raw)
    if parsed is None:
        raise Unprocessable(f"{name} must be an id")
    return parsed


# --- reports ---------------------------------------------------------------------------------


@router.get("/api/v1/admin/reports", summary="The moderation queue", responses=ADMIN_REPORTS)
async def list_reports(
    request: Request, desk: AdminDesk, ctx: AuthContext = Depends(READ_REPORTS)
) -> Response:
    params = await read_params(request)
    page = page_of(params, 100, 200)
    query = ReportFilter(
        resolved=params.flag("resolved", None),
        account_id=_optional_id(params, "account_id"),
        target_account_id=_optional_id(params, "target_account_id"),
    )
    if query.resolved is None:
        query = ReportFilter(
            False, query.account_id, query.target_account_id
        )  # Mastodon: unresolved by default
    reports = await desk.moderation.reports(query, page)
    body = await _admin_reports(desk, reports)
    ids = [r.id for r in reports]
    return paged(request, body, min(ids) if ids else None, max(ids) if ids else None)


@router.get("/api/v1/admin/reports/{report_id}", summary="One report", responses=ADMIN_REPORT)
async def get_report(
    request: Request, report_id: str, desk: AdminDesk, ctx: AuthContext = Depends(READ_REPORTS)
) -> Response:
    report = await desk.moderation.get_report(path_id(report_id))
    return JsonResponse((await _admin_reports(desk, [report]))[0])


async def _report_change(desk: Desk, report_id: str, change: str, ctx: AuthContext) -> Response:
    service = desk.moderation
    rid = path_id(report_id)
    if change == "assign_to_self":
        report = await service.assign(rid, ctx.user_id)
    elif change == "unassign":
        report = await service.assign(rid, None)
    elif change == "resolve":
        report = await service.resolve(rid, ctx.user_id)
    else:
        report = await service.reopen(rid)
    return JsonResponse((await _admin_reports(desk, [report]))[0])


@router.post(
    "/api/v1/admin/reports/{report_id}/assign_to_self", summary="Assign to self", responses=ADMIN_REPORT
)
async def assign_to_self(
    request: Request, report_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_REPORTS)
) -> Response:
    return await _report_change(desk, report_id, "assign_to_self", ctx)


@router.post("/api/v1/admin/reports/{report_id}/unassign", summary="Unassign", responses=ADMIN_REPORT)
async def unassign(
    request: Request, report_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_REPORTS)
) -> Response:
    return await _report_change(desk, report_id, "unassign", ctx)


@router.post("/api/v1/admin/reports/{report_id}/resolve", summary="Mark as resolved", responses=ADMIN_REPORT)
async def resolve(
    request: Request, report_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_REPORTS)
) -> Response:
    return await _report_change(desk, report_id, "resolve", ctx)


@router.post("/api/v1/admin/reports/{report_id}/reopen", summary="Reopen", responses=ADMIN_REPORT)
async def reopen(
    request: Request, report_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_REPORTS)
) -> Response:
    return await _report_change(desk, report_id, "reopen", ctx)


# --- accounts --------------------------------------------------------------------------------


V2_STATUSES = ("active", "disabled", "silenced", "suspended", "sensitized")


@router.get("/api/v1/admin/accounts", summary="Accounts (known to moderation)", responses=ADMIN_ACCOUNTS)
async def list_accounts(request: Request, desk: AdminDesk, ctx: AuthContext = Depends(READ_ACCOUNTS)) -> Response:
    return await _list_accounts(request, desk, await read_params(request), None)


@router.get(
    "/api/v2/admin/accounts",
    summary="Accounts (known to moderation), v2 filters: status, username",
    responses=ADMIN_ACCOUNTS,
)
async def list_accounts_v2(request: Request, desk: AdminDesk, ctx: AuthContext = Depends(READ_ACCOUNTS)) -> Response:
    params = await read_params(request)
    status = params.text("status")
    if status is not None and status not in (*V2_STATUSES, "pending"):
        raise Unprocessable(
            f"Validation failed: status must be one of {', '.join((*V2_STATUSES, 'pending'))}"
        )
    if status == "pending" or params.text("origin") == "remote":  # no approvals, no federation yet
        return JsonResponse([])
    return await _list_accounts(request, desk, params, status)


async def _list_accounts(request: Request, desk: Desk, params: Params, status: str | None) -> Response:
    username = params.text("username", None, max_length=30)
    if username:  # an exact lookup, whatever the store tracks
        account = await desk.accounts.lookup(username)
        ids = [account.id] if account is not None else []
        rendered = await _admin_accounts(desk, ids)
        return JsonResponse([rendered[i] for i in ids if i in rendered])
    query = AccountFilter(
        suspended=status == "suspended" or bool(params.flag("suspended", False)),
        silenced=status == "silenced" or bool(params.flag("silenced", False)),
        sensitized=status == "sensitized" or bool(params.flag("sensitized", False)),
        disabled=status == "disabled" or bool(params.flag("disabled", False)),
        active=status == "active" or bool(params.flag("active", False)),
    )
    page = page_of(params, 100, 200)
    found = await desk.moderation.known_accounts(query, page)
    ids = [r.account_id for r in found]
    rendered = await _admin_accounts(desk, ids)
    body = [rendered[i] for i in ids if i in rendered]
    return paged(request, body, min(ids) if ids else None, max(ids) if ids else None)


async def _one_account(desk: Desk, account_id: int) -> dict[str, Any]:
    await desk.moderation.restrictions(account_id)  # 404 for unknown; tracks the account
    rendered = await _admin_accounts(desk, [account_id])
    if account_id not in rendered:
        raise NotFound()
    return rendered[account_id]


@router.get("/api/v1/admin/accounts/{account_id}", summary="One account", responses=ADMIN_ACCOUNT)
async def get_account(
    request: Request, account_id: str, desk: AdminDesk, ctx: AuthContext = Depends(READ_ACCOUNTS)
) -> Response:
    return JsonResponse(await _one_account(desk, path_id(account_id)))


@router.post(
    "/api/v1/admin/accounts/{account_id}/action",
    summary="Act on an account (none, sensitive, disable, silence, suspend); resolves report_id",
    responses=_doc("Empty object"),
)
async def account_action(
    request: Request, account_id: str, moderation: Moderation, ctx: AuthContext = Depends(WRITE_ACCOUNTS)
) -> Response:
    params = await read_params(request)
    action = params.text("type") or ""
    if action not in ACCOUNT_ACTIONS:
        raise Unprocessable(f"Validation failed: type must be one of {', '.join(ACCOUNT_ACTIONS)}")
    target = path_id(account_id)
    report_id = _optional_id(params, "report_id")
    await moderation.act(ctx.user_id, target, action, report_id=report_id)
    return JsonResponse({})


async def _lift(desk: Desk, account_id: str, what: str) -> Response:
    target = path_id(account_id)
    await desk.moderation.lift(target, what)
    return JsonResponse(await _one_account(desk, target))


@router.post("/api/v1/admin/accounts/{account_id}/unsuspend", summary="Unsuspend", responses=ADMIN_ACCOUNT)
async def unsuspend(
    request: Request, account_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_ACCOUNTS)
) -> Response:
    return await _lift(desk, account_id, "unsuspend")


@router.post("/api/v1/admin/accounts/{account_id}/unsilence", summary="Unsilence", responses=ADMIN_ACCOUNT)
async def unsilence(
    request: Request, account_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_ACCOUNTS)
) -> Response:
    return await _lift(desk, account_id, "unsilence")


@router.post(
    "/api/v1/admin/accounts/{account_id}/unsensitive", summary="Unsensitive", responses=ADMIN_ACCOUNT
)
async def unsensitive(
    request: Request, account_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_ACCOUNTS)
) -> Response:
    return await _lift(desk, account_id, "unsensitive")


@router.post("/api/v1/admin/accounts/{account_id}/enable", summary="Re-enable login", responses=ADMIN_ACCOUNT)
async def enable(
    request: Request, account_id: str, desk: AdminDesk, ctx: AuthContext = Depends(WRITE_ACCOUNTS)
) -> Response:
    return await _lift(desk, account_id, "enable")


# --- statuses (extension) -------------------------------------------------------------------------


@router.delete(
    "/api/v1/admin/statuses/{status_id}",
    summary="Delete a status as a moderator (Rookery extension)",
    responses=_doc("The deleted Status"),
)
async def delete_status(
    request: Request,
    status_id: str,
    moderation: Moderation,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(WRITE_REPORTS),
) -> Response:
    sid = path_id(status_id)
    rendered = await views.render([sid], None)
    status = await moderation.delete_status(ctx.user_id, sid)
    return JsonResponse(rendered[0] if rendered else {"id": str(status.id)})


@router.post(
    "/api/v1/admin/statuses/{status_id}/unhide",
    summary="Put a hidden status back in public view (Rookery extension)",
    responses=_doc("Empty object"),
)
async def unhide_status(
    request: Request, status_id: str, moderation: Moderation, ctx: AuthContext = Depends(WRITE_REPORTS)
) -> Response:
    if not await moderation.unhide_status(path_id(status_id)):
        raise NotFound()
    return JsonResponse({})


# --- numbers -------------------------------------------------------------------------------------


async def _queues(outboxes: list[Outbox], bus: EventBus | None) -> dict[str, int]:
    backlog = 0
    for outbox in outboxes:
        backlog += len(await outbox.pending(1000))
    lag = 0
    if bus is not None and hasattr(bus, "lag"):  # the embedded event log
        lag = int(await bus.lag())
    else:  # Kafka: this process's consumers' lag, as exported on /metrics
        from rookery.workloads.adapters.kafka.metrics import CONSUMER_LAG

        lag = int(sum(s.value for m in CONSUMER_LAG.collect() for s in m.samples))
    return {"outbox_backlog": backlog, "consumer_lag": lag}


@router.get("/api/v1/admin/dashboard", summary="Platform numbers (Rookery extension)", responses=DASHBOARD)
async def dashboard(
    request: Request,
    moderation: Moderation,
    stats: Analytics,
    outboxes: Outboxes,
    bus: Bus,
    ctx: AuthContext = Depends(READ_ACCOUNTS),
) -> Response:
    service = moderation
    today = dt.datetime.now(dt.UTC).date()
    week = days_between(today - dt.timedelta(days=6), today)

    async def today_and_week(name: str) -> dict[str, int]:
        counts = await stats.daily(name, week)
        return {"today": counts[-1], "last_7d": sum(counts)}

    new_users = await today_and_week(analytics.NEW_USERS)
    body = {
        "accounts": {
            "new_today": new_users["today"],
            "new_7d": new_users["last_7d"],
            "active_today": await stats.active_accounts([today]),
            "active_7d": await stats.active_accounts(week),
        },
        "statuses": await today_and_week(analytics.STATUSES),
        "interactions": await today_and_week(analytics.INTERACTIONS),
        "reports": {
            "open": await service.store.count_reports(False),
            "resolved": await service.store.count_reports(True),
        },
        "moderation": {
            "hidden_statuses": len(service.filter.hidden),
            "suspended_accounts": len(service.filter.suspended),
            "silenced_accounts": len(service.filter.silenced),
        },
        "queues": await _queues(outboxes, bus),
    }
    return JsonResponse(body)


MEASURES = {
    "new_users": analytics.NEW_USERS,
    "interactions": analytics.INTERACTIONS,
    "opened_reports": analytics.OPENED_REPORTS,
    "resolved_reports": analytics.RESOLVED_REPORTS,
}


@router.post(
    "/api/v1/admin/measures",
    summary="Daily measures (new_users, active_users, interactions, opened_reports, resolved_reports)",
    responses=_doc("Admin::Measure list", {"type": "array", "items": OBJECT}),
)
async def measures(request: Request, stats: Analytics, ctx: AuthContext = Depends(READ_ACCOUNTS)) -> Response:
    params = await read_params(request)
    keys = params.strings("keys")
    unknown = [k for k in keys if k not in (*MEASURES, "active_users")]
    if not keys or unknown:
        allowed = ", ".join((*MEASURES, "active_users"))
        raise Unprocessable(f"Validation failed: keys must be some of {allowed}")
    start, end = params.date("start_at"), params.date("end_at")
    if end < start:
        raise Unprocessable("Validation failed: end_at is before start_at")
    days = days_between(start, end)
    span = len(days)
    previous = days_between(start - dt.timedelta(days=span), start - dt.timedelta(days=1))
    body = []
    for key in keys:
        if key == "active_users":
            values = [await stats.active_accounts([day]) for day in days]
            total, previous_total = await stats.active_accounts(days), await stats.active_accounts(previous)
        else:
            values = await stats.daily(MEASURES[key], days)
            total, previous_total = sum(values), sum(await stats.daily(MEASURES[key], previous))
        body.append(
            {
                "key": key,
                "unit": None,
                "total": str(total),
                "previous_total": str(previous_total),
                "data": [
                    {"date": f"{day.isoformat()}T00:00:00Z", "value": str(value)}
                    for day, value in zip(days, values, strict=True)
                ],
            }
        )
    return JsonResponse(body)
