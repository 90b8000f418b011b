"""Previews of letters with sample data (Wagtail's preview panel, the command line)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.html import escape

from .rendering import LetterError


def preview_response(template, mode_name: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """The letter as HTML or as its plain-text part, with sample data or the given context."""
    try:
        letter = template.render_sample(context)
    except LetterError as error:
        return HttpResponse(f"<pre style='color:#b00;white-space:pre-wrap'>{escape(error)}</pre>", status=200)
    if mode_name == "text":
        body = f"Subject: {letter.subject}\n\n{letter.text}"
        return HttpResponse(
            f"<pre style='white-space:pre-wrap;font:14px/1.5 monospace;padding:16px'>{escape(body)}</pre>"
        )
    return HttpResponse(letter.html)
