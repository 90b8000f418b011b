"""Header values that go on the wire exactly as written: folded at whitespace, never encoded.

Django 6 builds messages with ``email.policy.SMTP``, which refolds every header line longer
than 78 characters and, when a single token (a URL, a Message-ID) does not fit, rewrites it
as an RFC 2047 encoded word: ``List-Unsubscribe: =?utf-8?q?=3Chttps=3A//…?=``. Mail providers
do not decode that header, so Gmail and Yahoo would offer no one-click unsubscribe.

:class:`WireHeader` is a ``str`` (Django, anymail and tests read it as the plain value) that
``email.policy`` treats as an already parsed header object (it has ``name`` and ``fold``), so
the policy asks it how to fold itself instead of re-parsing it. On Django 5.2 (``compat32``
messages) the value is turned back into a plain ``str``, which that policy never encodes.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.utils.encoding import iri_to_uri

from . import conf


class WireHeader(str):
    """An ASCII header value that is folded only at its own whitespace, never encoded."""

    name: str

    def __new__(cls, name: str, value: str) -> WireHeader:
        if not value.isascii() or "\r" in value or "\n" in value:
            raise ValueError(f"{name} must be one line of ASCII, got {value!r}")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __getnewargs__(self) -> tuple[str, str]:  # copy and pickle keep the name
        return self.name, str(self)

    def fold(self, *, policy: Any) -> str:
        """``Name: value`` lines within the policy's length where whitespace allows.

        A word longer than a line (a long URL) gets a line of its own, after a fold right
        behind the colon; it is never broken or encoded (RFC 5322 allows up to 998 characters).
        """
        limit = policy.max_line_length or 0
        current, lines = f"{self.name}:", []
        for word in self.split():
            if limit and len(current) + 1 + len(word) > limit:
                lines.append(current)
                current = ""
            current += f" {word}"
        return policy.linesep.join([*lines, current]) + policy.linesep


def _ascii_host(host: str) -> str:
    return host.encode("idna").decode("ascii") if not host.isascii() else host


def ascii_url(url: str) -> str:
    """``url`` as ASCII: an internationalised host in punycode, the rest percent-encoded."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = _ascii_host(parts.hostname or "")
    netloc = f"{host}:{parts.port}" if parts.port else host
    return iri_to_uri(urlunsplit(parts._replace(netloc=netloc)))


def list_unsubscribe(url: str) -> dict[str, WireHeader]:
    """RFC 2369 and RFC 8058 one-click unsubscribe headers for ``url`` (an https URL)."""
    return {
        "List-Unsubscribe": WireHeader("List-Unsubscribe", f"<{ascii_url(url)}>"),
        "List-Unsubscribe-Post": WireHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    }


def new_message_id() -> str:
    """A globally unique Message-ID that tells nothing: 128 random bits at the shop's host.

    Not the delivery's id (two databases on one host reuse ids, and a counter tells how many
    letters a shop has sent), not a time stamp or a process id (what ``make_msgid`` adds).
    """
    domain = _ascii_host(urlsplit(conf.base_url()).hostname or "wagtail-triggers.invalid")
    return f"<{secrets.token_hex(16)}@{domain}>"


def message_id_header(value: str) -> WireHeader:
    return WireHeader("Message-ID", value)
