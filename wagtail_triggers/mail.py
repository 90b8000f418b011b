"""Sending through the email backend chosen for trigger letters, and telling failures apart.

:func:`letters_connection` decides which backend that is, so a shop can send trigger letters
through another provider than its transactional mail (``TRIGGERS_MAILER`` on Django with
``MAILERS``, ``TRIGGERS_EMAIL_BACKEND`` otherwise).

A letter is never sent twice, so every failure is classified by *when* it happened:

- before the server could have accepted the message (connecting, ``MAIL FROM``, ``RCPT TO``,
  the ``DATA`` command, or a connection lost before the message's final dot was written): the
  letter may be sent again — at once on a fresh connection when the connection broke, later
  with backoff when the server answered 4xx, never when it answered 5xx;
- after the whole message was written and before the server's final reply: ``unknown``, the
  server may have accepted it, so it is never resent automatically.

For Django's SMTP backend (and its subclasses) the phase is watched on the backend's own
``smtplib.SMTP`` object, so Django still prepares the envelope and the message bytes; other
backends (locmem, console, anymail, the demo's outbox) go through ``send_messages`` as they are
and any exception from them is ``unknown``.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from . import conf

try:  # Django 6.1+: named mailers (settings.MAILERS) replace get_connection() and EMAIL_BACKEND
    from django.core.mail import mailers
except ImportError:  # older Django: backends only
    mailers = None
from .ticktime import seconds

logger = logging.getLogger(__name__)

END_OF_DATA = b"\r\n.\r\n"
# RFC 3463 enhanced status: 5.1.x is about the address itself (no such mailbox, bad domain…).
ENHANCED_CODE = re.compile(rb"^\s*([245])\.(\d{1,3})\.(\d{1,3})")
HARD_BOUNCE_CODES = frozenset({550, 551, 553})


def letters_connection() -> BaseEmailBackend:
    """The (not yet opened) email backend that trigger letters and test letters go through.

    ``TRIGGERS_MAILER`` names one of Django's ``MAILERS`` (Django 6.1+); ``TRIGGERS_EMAIL_BACKEND``
    is a backend path like ``EMAIL_BACKEND`` (Django 6.1 deprecates backend paths along with
    ``EMAIL_BACKEND``, and says so). Neither: Django's default mailer, or ``EMAIL_BACKEND``.
    """
    mailer = conf.get("TRIGGERS_MAILER")
    backend = conf.get("TRIGGERS_EMAIL_BACKEND")
    if mailer and backend:
        raise ImproperlyConfigured("Set TRIGGERS_MAILER or TRIGGERS_EMAIL_BACKEND, not both.")
    if mailer:
        if mailers is None:
            raise ImproperlyConfigured("TRIGGERS_MAILER needs Django 6.1+ (MAILERS); use TRIGGERS_EMAIL_BACKEND.")
        return mailers[mailer]
    if backend and hasattr(settings, "MAILERS"):
        raise ImproperlyConfigured("With MAILERS, name the mailer of trigger letters in TRIGGERS_MAILER.")
    if backend or mailers is None:
        return get_connection(backend or None)
    return mailers.default


class SendOutcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # refused before acceptance, temporarily (4xx): try again later, with backoff
    FAILED = "failed"  # refused before acceptance, permanently (5xx or an unsendable message)
    RESEND = "resend"  # the connection broke before the message was complete: send again at once
    UNKNOWN = "unknown"  # the server may or may not have accepted it: never resend


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    error: str = ""
    code: int = 0  # the server's reply code when it refused
    hard_bounce: bool = False  # the recipient address does not exist: suppress the contact


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _reply_text(reply: Any) -> bytes:
    return reply if isinstance(reply, bytes) else str(reply).encode("utf-8", "replace")


def is_hard_bounce(code: int, reply: Any) -> bool:
    """A permanent refusal of the address itself (550/551/553, and 5.1.x when the server says so).

    A 550 with an enhanced code outside 5.1.x (``5.7.1`` policy, ``5.2.2`` mailbox full…) is
    a permanent failure of this letter, not proof that the address is dead.
    """
    if code not in HARD_BOUNCE_CODES:
        return False
    enhanced = ENHANCED_CODE.match(_reply_text(reply))
    return enhanced is None or (enhanced.group(1), enhanced.group(2)) == (b"5", b"1")


def _refusal(code: int, reply: Any, error: BaseException, *, recipient_stage: bool) -> SendResult:
    if 400 <= code < 500:
        return SendResult(SendOutcome.RETRY, _describe(error), code)
    bounce = recipient_stage and is_hard_bounce(code, reply)
    return SendResult(SendOutcome.FAILED, _describe(error), code, hard_bounce=bounce)


def classify(error: BaseException, *, body_written: bool | None = None) -> SendResult:
    """What a failed send means. ``body_written`` is None when the phase is not known
    (a non-SMTP backend): then anything but a clear refusal is ``unknown``."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        temporary = [(c, r) for c, r in replies if 400 <= c < 500]
        code, reply = (
            temporary[0] if len(temporary) == len(replies) else next((c, r) for c, r in replies if not 400 <= c < 500)
        )
        return _refusal(code, reply, error, recipient_stage=True)
    if isinstance(error, smtplib.SMTPResponseException):
        # A reply the server really sent (to MAIL, DATA, or after the final dot): it refused.
        return _refusal(error.smtp_code, error.smtp_error, error, recipient_stage=False)
    if isinstance(error, smtplib.SMTPConnectError | ConnectionRefusedError | socket.gaierror):
        return SendResult(SendOutcome.RESEND if body_written is False else SendOutcome.RETRY, _describe(error))
    connection_lost = isinstance(error, smtplib.SMTPServerDisconnected | OSError)
    if body_written is None or body_written:
        return SendResult(SendOutcome.UNKNOWN, _describe(error))
    if connection_lost:
        return SendResult(SendOutcome.RESEND, _describe(error))
    # Nothing reached the server and the connection is fine: the message itself cannot be
    # sent (an address Django refuses, SMTPUTF8 not supported…). Retrying would not help.
    return SendResult(SendOutcome.FAILED, _describe(error))


class _PhaseProbe:
    """Watches an ``smtplib.SMTP`` object: has a whole message (ending in CRLF.CRLF) been written?

    ``smtplib`` writes the complete, dot-terminated body with one ``send`` call (``SMTP.data``)
    and every command as a ``str``; a bytes write ending in ``END_OF_DATA`` is that body.
    """

    def __init__(self, smtp: smtplib.SMTP) -> None:
        self.smtp = smtp
        self.body_written = False
        self._send = smtp.send
        smtp.send = self._watched_send  # type: ignore[method-assign]

    def _watched_send(self, data: str | bytes) -> None:
        self._send(data)
        if isinstance(data, bytes | bytearray) and data.endswith(END_OF_DATA):
            self.body_written = True

    def detach(self) -> None:
        self.smtp.__dict__.pop("send", None)


def _smtp_of(connection: Any) -> smtplib.SMTP | None:
    smtp = getattr(connection, "connection", None)
    return smtp if isinstance(smtp, smtplib.SMTP) else None


class MailSession:
    """One tick's email connection: opened before the first letter and, after it broke,
    reopened before the next one (a bounded number of tries, with doubling sleeps)."""

    def __init__(self, connection: BaseEmailBackend | None = None) -> None:
        self.connection = letters_connection() if connection is None else connection
        self.is_open = False
        self.last_error = ""
        self.tries = max(1, int(conf.get("TRIGGERS_SMTP_RECONNECT_TRIES")))
        self.backoff = seconds(conf.get("TRIGGERS_SMTP_RECONNECT_BACKOFF"))

    def ensure_open(self) -> bool:
        """Open (or reopen) the connection; False when the server stays unreachable."""
        if self.is_open:
            return True
        for attempt in range(self.tries):
            if attempt and self.backoff:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self._drop()
            try:
                self.connection.open()
            except Exception as error:  # any failure to connect happens before acceptance
                self.last_error = _describe(error)
                logger.warning("Email connection attempt %d/%d failed: %s", attempt + 1, self.tries, self.last_error)
                continue
            self.is_open = True
            return True
        return False

    def send(self, message: EmailMessage) -> SendResult:
        """Send one message on the open connection and say what happened."""
        smtp = _smtp_of(self.connection)
        probe = _PhaseProbe(smtp) if smtp is not None else None
        try:
            sent = self.connection.send_messages([message])
        except Exception as error:  # classified: only pre-acceptance failures may be retried
            result = classify(error, body_written=probe.body_written if probe else None)
            if self._broken(smtp, error):
                self.is_open = False  # reopened before the next letter
            return result
        finally:
            if probe is not None:
                probe.detach()
        if not sent:
            if probe is not None and not probe.body_written:
                return SendResult(SendOutcome.FAILED, "the email backend refused the message (no recipients?)")
            return SendResult(SendOutcome.UNKNOWN, "the email backend reported 0 messages sent")
        return SendResult(SendOutcome.SENT)

    def _broken(self, smtp: smtplib.SMTP | None, error: BaseException) -> bool:
        """After a clean refusal smtplib has reset the transaction; anything else needs a new
        connection (smtplib would otherwise reuse a dead one: "please run connect() first")."""
        if smtp is None or smtp.sock is None:
            return True
        return not isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused)

    def _drop(self) -> None:
        """Close quietly: the connection may already be dead, and QUIT must not hang on it."""
        smtp = _smtp_of(self.connection)
        if smtp is not None and smtp.sock is None:
            self.connection.connection = None  # smtplib already closed the socket
        try:
            self.connection.close()
        except Exception:  # closing a broken connection may fail; it is gone either way
            logger.debug("Closing the email connection failed", exc_info=True)
            if hasattr(self.connection, "connection"):
                self.connection.connection = None

    def close(self) -> None:
        self._drop()
        self.is_open = False
