"""Sending through Django's configured email backend, and telling failures apart.

A letter is never sent twice, so an error must be classified: failures known to happen
before the server accepted the message may be retried; anything else is "unknown".
"""

from __future__ import annotations

import smtplib
import socket
from enum import Enum

from django.core.mail import EmailMessage


class SendOutcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # refused before acceptance, temporarily: safe to try again later
    FAILED = "failed"  # refused before acceptance, permanently
    UNKNOWN = "unknown"  # the server may or may not have accepted it: never resend


def classify(error: BaseException) -> SendOutcome:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return SendOutcome.RETRY if all(400 <= c < 500 for c in codes) else SendOutcome.FAILED
    if isinstance(
        error,
        smtplib.SMTPSenderRefused | smtplib.SMTPDataError | smtplib.SMTPHeloError | smtplib.SMTPAuthenticationError,
    ):
        code = getattr(error, "smtp_code", 0)
        return SendOutcome.RETRY if 400 <= code < 500 else SendOutcome.FAILED
    if isinstance(error, smtplib.SMTPConnectError | ConnectionRefusedError | socket.gaierror):
        return SendOutcome.RETRY
    return SendOutcome.UNKNOWN


def open_connection(connection) -> None:
    """Open the batch's connection; connection errors happen before any message is accepted."""
    connection.open()


def send(message: EmailMessage, connection) -> tuple[SendOutcome, str]:
    """Send one message on an open connection; returns the outcome and an error text."""
    try:
        sent = connection.send_messages([message])
    except Exception as error:  # classified: only pre-acceptance failures may be retried
        return classify(error), f"{type(error).__name__}: {error}"[:2000]
    if not sent:
        return SendOutcome.UNKNOWN, "the email backend reported 0 messages sent"
    return SendOutcome.SENT, ""
