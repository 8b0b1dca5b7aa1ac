"""EmailSender: the SMTP adapter against a real SMTP server (aiosmtpd) started in the test."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from rookery.workloads.adapters.local.email import LoggingEmailSender, SmtpEmailSender
from rookery.workloads.domain.push import DeliveryFailed


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def _port(controller: Controller) -> int:
    return int(controller.port)


async def test_smtp_sender_delivers_a_message(smtp_server: tuple[Controller, Inbox]) -> None:
    controller, inbox = smtp_server
    sender = SmtpEmailSender("127.0.0.1", _port(controller), "rookery@example.org", starttls=False)
    await sender.send("alice@example.org", "You have a new follower", "bob followed you.\nSay hi!")
    assert len(inbox.messages) == 1
    mail_from, rcpt, raw = inbox.messages[0]
    assert mail_from == "rookery@example.org" and rcpt == ["alice@example.org"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "You have a new follower"
    assert message["To"] == "alice@example.org" and message["Message-ID"]
    assert message.get_content().replace("\r\n", "\n").strip() == "bob followed you.\nSay hi!"


async def test_header_injection_is_refused(smtp_server: tuple[Controller, Inbox]) -> None:
    controller, inbox = smtp_server
    sender = SmtpEmailSender("127.0.0.1", _port(controller), "rookery@example.org", starttls=False)
    with pytest.raises(ValueError):
        await sender.send("alice@example.org\r\nBcc: victim@example.org", "hi", "x")
    with pytest.raises(ValueError):
        await sender.send("alice@example.org", "hi\r\nBcc: victim@example.org", "x")
    assert inbox.messages == []


async def test_unreachable_server_is_a_delivery_failure() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = SmtpEmailSender("127.0.0.1", port, "rookery@example.org", starttls=False, timeout_s=2)
    with pytest.raises(DeliveryFailed):
        await sender.send("alice@example.org", "hi", "x")


async def test_logging_sender_counts_and_sends_nothing() -> None:
    sender = LoggingEmailSender()
    await sender.send("alice@example.org", "hi", "x")
    assert sender.sent == 1
