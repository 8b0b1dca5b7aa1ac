"""E-mail delivery: SMTP (aiosmtplib) when a server is configured, otherwise logged and dropped."""

from __future__ import annotations

import email.message
import email.utils
import logging

import aiosmtplib

from rookery.workloads.domain.push import DeliveryFailed

log = logging.getLogger("rookery.email")


class SmtpEmailSender:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        timeout_s: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username or None
        self.password = password or None
        self.starttls = starttls
        self.timeout_s = timeout_s

    def compose(self, to: str, subject: str, text: str) -> email.message.EmailMessage:
        message = email.message.EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = email.utils.formatdate(usegmt=True)
        message["Message-ID"] = email.utils.make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(text)
        return message

    async def send(self, to: str, subject: str, text: str) -> None:
        if "\n" in to or "\r" in to or "\n" in subject or "\r" in subject:
            raise ValueError("header injection attempt in e-mail address or subject")
        try:
            await aiosmtplib.send(
                self.compose(to, subject, text),
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=self.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP delivery to {self.host}:{self.port} failed: {exc}") from exc


class LoggingEmailSender:
    """No SMTP server configured (`rookery up` default): e-mails are logged, not sent."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, to: str, subject: str, text: str) -> None:
        self.sent += 1
        log.info("e-mail disabled (no ROOKERY_SMTP_HOST): to=%s subject=%r", to, subject)
