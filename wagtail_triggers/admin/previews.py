"""Previews of letters with sample data (Wagtail's preview panel, new tab, revisions).

A letter is written by editors but previewed by everyone with admin access, superusers
included, on the admin's own origin. So every preview response is sandboxed by its own
headers, wherever it is opened (in the panel's iframe, a new tab, a revision view): the CSP
``sandbox`` directive gives it an opaque origin with scripts, forms and plugins off, and
``default-src 'none'`` lets it load only images, fonts and inline styles.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.html import escape

from ..errors import LetterError

PREVIEW_CSP = (
    "sandbox; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
    "font-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def sandboxed(response: HttpResponse) -> HttpResponse:
    """The headers every response showing a letter's HTML carries."""
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def preview_response(template, mode_name: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """The letter as HTML or as its plain-text part, with sample data or the given context."""
    try:
        letter = template.render_sample(context)
    except LetterError as error:
        return sandboxed(HttpResponse(f"<pre style='color:#b00;white-space:pre-wrap'>{escape(error)}</pre>"))
    if mode_name == "text":
        body = f"Subject: {letter.subject}\n\n{letter.text}"
        return sandboxed(
            HttpResponse(f"<pre style='white-space:pre-wrap;font:14px/1.5 monospace;padding:16px'>{escape(body)}</pre>")
        )
    return sandboxed(HttpResponse(letter.html))
