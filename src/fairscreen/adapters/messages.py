"""Messages to a person's own phone or mailbox (issue 13 item 2): the candidate's
invitation, sign-in codes and the steps of their case, and HR's "report released" e-mail.

Unlike the notifier (``notify.py``), which addresses pseudonyms, these go to a real
number or address, so they are sent and never logged: the console echo names the channel
and the kind only. Two ports:

- **e-mail** through SMTP (``SmtpMailer``, stdlib ``smtplib``; STARTTLS or implicit TLS,
  login when a user is set; settings ``FAIRSCREEN_SMTP_*``, docs/service.md);
- **SMS** through a provider port (``SmsSender``): the HTTP gateway client
  (``sms_gateway.py``) in production; in development and the demo, SMS (and e-mail when
  no SMTP host is set) go to the **development outbox** (``DevOutbox``), kept in memory
  and shown only by the demo's ``/dev/outbox`` page.

Either port raises :class:`~fairscreen.domain.errors.MessageNotSent` when its message did
not go out, so the services handle one failure whatever the channel.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from fairscreen.domain.errors import MessageNotSent


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message: ``channel`` is ``sms`` or ``email``; ``kind`` names what it is
    (``invitation``, ``code``, ``review``, ``review_reopened``, ``pre_adverse``, ``decision``,
    ``report_released``) for the outbox and the echo."""

    channel: str
    to: str
    kind: str
    subject: str
    body: str
    sent_at: datetime

    def __repr__(self) -> str:  # never the address or the body (a code may be in it)
        return f"OutboundMessage({self.channel}, {self.kind})"


class SmsSender(Protocol):
    def send_sms(self, to: str, body: str, *, kind: str) -> None: ...


class Mailer(Protocol):
    def send_mail(self, to: str, subject: str, body: str, *, kind: str) -> None: ...


class DevOutbox:
    """The development outbox: every message kept in memory, newest last (at most
    ``limit``), for the demo's outbox page and for tests. Never in production. Each is
    stamped by ``clock``: the services set theirs (``Services.now``), so the outbox and
    the portal pages tell one time even when the demo's clock is not the wall clock."""

    def __init__(self, limit: int = 500) -> None:
        self._messages: list[OutboundMessage] = []
        self._limit = limit
        self._lock = threading.Lock()
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def _keep(self, message: OutboundMessage) -> None:
        with self._lock:
            self._messages.append(message)
            del self._messages[: -self._limit]

    def send_sms(self, to: str, body: str, *, kind: str) -> None:
        self._keep(OutboundMessage("sms", to, kind, "", body, self.clock()))

    def send_mail(self, to: str, subject: str, body: str, *, kind: str) -> None:
        self._keep(OutboundMessage("email", to, kind, subject, body, self.clock()))

    @property
    def messages(self) -> list[OutboundMessage]:
        with self._lock:
            return list(self._messages)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 587
    #: ``starttls`` (port 587), ``tls`` (implicit, port 465) or ``none`` (a local relay)
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str = "fairscreen <no-reply@fairscreen.example>"
    timeout: float = 10.0

    def __repr__(self) -> str:
        return f"SmtpSettings({self.host}:{self.port}, {self.security})"


class SmtpMailer:
    """E-mail over SMTP, one connection per message (messages are few: an invitation,
    a code, a release notice)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    def send_mail(self, to: str, subject: str, body: str, *, kind: str) -> None:
        s = self._settings
        message = EmailMessage()
        message["From"] = s.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="fairscreen")
        message["X-Fairscreen-Kind"] = kind
        message.set_content(body)
        context = ssl.create_default_context()
        client: smtplib.SMTP
        try:
            if s.security == "tls":
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.security == "starttls":
                    client.starttls(context=context)
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            # the error's type only: an SMTP refusal can quote the address
            raise MessageNotSent(
                "the mail server did not take the {kind} message: {why}",
                kind=kind,
                why=type(error).__name__,
            ) from error


@dataclass(frozen=True, slots=True)
class Messenger:
    """Both ports together, as the services use them; ``outbox`` is the development
    outbox when one is in use (the demo's page reads it), else None."""

    sms: SmsSender
    mail: Mailer
    outbox: DevOutbox | None = None

    def send(self, channel: str, to: str, *, kind: str, subject: str, body: str) -> None:
        if channel == "sms":
            self.sms.send_sms(to, body, kind=kind)
        else:
            self.mail.send_mail(to, subject, body, kind=kind)


def development_messenger() -> Messenger:
    """Everything to one development outbox (tests, the demo, development)."""
    outbox = DevOutbox()
    return Messenger(sms=outbox, mail=outbox, outbox=outbox)
