"""The API's one error table: every kind of domain error -> status and Mastodon body."""

from __future__ import annotations

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rookery.workloads.api.errors import ERROR_TABLE, Unprocessable, domain_error_response, install_error_handlers
from rookery.workloads.domain import errors
from rookery.workloads.domain.chats import ChatForbidden, ChatNotFound, ChatRejected, NotAMember, check_text
from rookery.workloads.domain.media import AttachmentRejected, MediaRejected, MediaTooLarge
from rookery.workloads.domain.oauth import AppRejected, AuthorizationRejected, OAuthError
from rookery.workloads.domain.statuses import Forbidden as StatusForbidden
from rookery.workloads.domain.statuses import StatusRuleError
from rookery.workloads.services.streaming import StreamRejected
from rookery.workloads.services.tokens import AccountDisabled, InvalidToken


def answer(exc: errors.DomainError) -> tuple[int, dict[str, object]]:
    response = domain_error_response(exc)
    return response.status_code, orjson.loads(response.body)


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (errors.BadRequest("Missing thing"), 400, {"error": "Missing thing"}),
        (errors.Unauthorized("The access token is invalid"), 401, {"error": "The access token is invalid"}),
        (errors.Forbidden(), 403, {"error": "This action is not allowed"}),
        (errors.Forbidden("Not yours"), 403, {"error": "Not yours"}),
        (errors.NotFound(), 404, {"error": "Record not found"}),
        (errors.Conflict("try again"), 409, {"error": "try again"}),
        (errors.TooLarge("too big"), 413, {"error": "too big"}),
        (errors.RuleViolation("Text can't be blank"), 422, {"error": "Validation failed: Text can't be blank"}),
        (Unprocessable("limit must be an integer"), 422, {"error": "limit must be an integer"}),
        (errors.DomainError("odd"), 400, {"error": "odd"}),
    ],
)
def test_every_kind_has_its_answer(exc: errors.DomainError, status: int, body: dict[str, object]) -> None:
    assert answer(exc) == (status, body)


def test_the_table_names_every_base() -> None:
    bases = {errors.BadRequest, errors.Unauthorized, errors.Forbidden, errors.NotFound}
    bases |= {errors.Conflict, errors.TooLarge, errors.RuleViolation}
    assert bases <= set(ERROR_TABLE)


def test_protocol_errors_keep_their_own_shape() -> None:
    assert answer(OAuthError("invalid_grant", "The grant is invalid.")) == (
        400,
        {"error": "invalid_grant", "error_description": "The grant is invalid."},
    )
    assert answer(StreamRejected(401, "This stream requires an authenticated user")) == (
        401,
        {"error": "This stream requires an authenticated user"},
    )


def test_migrated_errors_answer_as_before() -> None:
    with pytest.raises(ChatRejected) as caught:
        check_text("   ")
    assert answer(caught.value) == (422, {"error": "text can't be blank"})  # chats: the message as it is
    forbidden = ChatForbidden("only the owner may add admins")
    assert isinstance(forbidden, ChatRejected) and forbidden.status == 403
    assert answer(forbidden) == (403, {"error": "only the owner may add admins"})
    assert answer(NotAMember("that account is not a member of this chat"))[0] == 404
    assert answer(ChatNotFound()) == (404, {"error": "Record not found"})
    # a media upload's rule vs the same kind of rule met while creating a status
    assert answer(MediaRejected("file is empty")) == (422, {"error": "file is empty"})
    assert answer(MediaTooLarge("image is larger than 10 bytes")) == (413, {"error": "image is larger than 10 bytes"})
    attach = AttachmentRejected("media 7 not found")
    assert isinstance(attach, MediaRejected)
    assert answer(attach) == (422, {"error": "Validation failed: media 7 not found"})
    rule = StatusRuleError("Reblogs can't be pinned")
    assert answer(rule) == (422, {"error": "Validation failed: Reblogs can't be pinned"})
    assert answer(StatusForbidden("Direct posts can't be reblogged")) == (
        403,
        {"error": "Direct posts can't be reblogged"},
    )
    # OAuth: an app registration is a 422, the login page a 400, the token endpoint RFC 6749's shape
    app = AppRejected("client_name can't be blank")
    assert isinstance(app, OAuthError) and app.status == 422
    assert answer(app) == (422, {"error": "Validation failed: client_name can't be blank"})
    assert answer(AuthorizationRejected("invalid_redirect_uri", "The redirect uri included is not valid.")) == (
        400,
        {"error": "The redirect uri included is not valid."},
    )


def test_tokens_say_who_you_are_not() -> None:
    assert answer(InvalidToken("token revoked")) == (401, {"error": "token revoked"})
    disabled = AccountDisabled("account suspended")
    assert isinstance(disabled, InvalidToken) and answer(disabled) == (403, {"error": "account suspended"})


def test_a_value_error_is_no_domain_error() -> None:
    assert not issubclass(ValueError, errors.DomainError)
    for cls in (ChatRejected, MediaRejected, StatusRuleError, AppRejected):
        assert not issubclass(cls, ValueError)


def test_through_the_app_a_rule_is_a_4xx_and_a_bug_a_500() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/rule")
    async def rule() -> None:
        raise ChatForbidden("only the owner may delete the chat; leave it instead")

    @app.get("/bug")
    async def bug() -> None:
        int("not a number")  # a ValueError nobody meant: never a 422

    with TestClient(app, raise_server_exceptions=False) as client:
        refused = client.get("/rule")
        assert refused.status_code == 403
        assert refused.json() == {"error": "only the owner may delete the chat; leave it instead"}
        crashed = client.get("/bug")
        assert crashed.status_code == 500 and crashed.json() == {"error": "Internal server error"}
    with TestClient(app) as client, pytest.raises(ValueError):
        client.get("/bug")  # in tests the bug surfaces as the exception itself
