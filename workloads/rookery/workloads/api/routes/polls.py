"""Polls (posts role): read a poll, vote on it. A poll is seen by whoever may see its status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, Polls, Reader, StatusViewsDep, require_user
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.social import path_id
from rookery.workloads.views.polls import POLL_SCHEMA

router = APIRouter(tags=["polls"])

POLL: dict[int | str, dict[str, Any]] = {
    200: {"description": "Poll", "content": {"application/json": {"schema": POLL_SCHEMA}}}
}


@router.get("/api/v1/polls/{poll_id}", summary="One poll", responses=POLL)
async def get_poll(request: Request, poll_id: str, viewer: Reader, polls: Polls, views: StatusViewsDep) -> Response:
    poll = await polls.get(path_id(poll_id), viewer)
    return JsonResponse(await views.poll(poll, viewer))


@router.post("/api/v1/polls/{poll_id}/votes", summary="Vote on a poll", responses=POLL)
async def vote(
    request: Request,
    poll_id: str,
    polls: Polls,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("write:statuses")),
) -> Response:
    params = await read_params(request)
    choices = []
    for raw in params.strings("choices"):
        try:
            choices.append(int(raw))
        except ValueError:
            raise Unprocessable("Validation failed: choices must be option indices") from None
    if not choices:
        raise Unprocessable("Validation failed: choices can't be empty")
    poll = await polls.vote(path_id(poll_id), ctx.user_id, choices)
    return JsonResponse(await views.poll(poll, ctx.user_id))
