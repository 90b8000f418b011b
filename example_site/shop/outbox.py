"""An email backend for the demo: letters go into the database and appear at /outbox/.

``EMAIL_BACKEND = "shop.outbox.OutboxBackend"`` (the demo's default). Each message is stored
with its headers (``List-Unsubscribe`` included), the plain-text body, the HTML alternative
and the raw MIME text, and one line is logged to the console.
"""

from __future__ import annotations

import logging
from email.header import decode_header, make_header

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone

logger = logging.getLogger(__name__)


def _parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, html) of a Django message, whichever of them it has."""
    text, html = "", ""
    body = message.body or ""
    if getattr(message, "content_subtype", "plain") == "html":
        html = body
    else:
        text = body
    for alternative in getattr(message, "alternatives", None) or []:
        content, mimetype = alternative[0], alternative[1]
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
        if mimetype == "text/html" and not html:
            html = content
        elif mimetype == "text/plain" and not text:
            text = content
    return text, html


def _decoded(value) -> str:
    """A header value as a person reads it (RFC 2047 encoded words decoded)."""
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:
        return str(value)


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from .models import OutboxMessage

        sent = 0
        for message in email_messages or []:
            try:
                recipients = message.recipients()
                if not recipients:
                    continue
                mime = message.message()
                raw = mime.as_bytes()  # first: serialising sets the multipart boundary header
                text, html = _parts(message)
                stored = OutboxMessage.objects.create(
                    sent_at=timezone.now(),
                    from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
                    to=", ".join(recipients),
                    subject=str(message.subject or ""),
                    headers=[[name, _decoded(value)] for name, value in mime.items()],
                    text=text,
                    html=html,
                    raw=raw.decode("utf-8", "replace"),
                )
            except Exception:
                if not self.fail_silently:
                    raise
                logger.exception("Could not store a message in the outbox")
                continue
            sent += 1
            logger.info(
                "Outbox #%s → %s: %s (%s/outbox/%s/)",
                stored.pk,
                stored.to,
                stored.subject,
                settings.BASE_URL,
                stored.pk,
            )
        return sent
