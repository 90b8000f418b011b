"""Tags refused in letters (they would reach templates, files or internals beyond the
context) and filters bounded (their cost grows with an argument).

Registered as a builtin after Django's own, so these definitions win: a refused tag fails the
letter when the editor saves it, a huge width fails it when it renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import template
from django.template import defaultfilters, defaulttags
from django.utils.translation import gettext as _

from .. import conf

register = template.Library()

BLOCKED_TAGS = (
    "debug",
    "extends",
    "include",
    "load",
    "ssi",
    "lorem",
    "csrf_token",
    "url",
    "static",
)


def _refuse(parser, token):
    name = token.split_contents()[0]
    raise template.TemplateSyntaxError(_("The {%% %(tag)s %%} tag is not available in letters.") % {"tag": name})


for _name in BLOCKED_TAGS:
    register.tag(_name, _refuse)


# -- filters and tags whose cost grows with an argument -------------------------------------
# ``ljust:"300000000"`` or ``stringformat:"0200000000d"`` would allocate gigabytes; these
# replacements refuse widths and precisions over TRIGGERS_TEMPLATE_MAX_WIDTH.

_FORMAT_NUMBERS = re.compile(r"\d+")


def max_width() -> int:
    return conf.get("TRIGGERS_TEMPLATE_MAX_WIDTH")


def _check_width(name: str, value: Any) -> None:
    try:
        width = abs(int(str(value).strip().rstrip("gu") or 0))
    except (TypeError, ValueError):
        return  # Django's own filter decides what a non-number means
    if width > max_width():
        raise template.TemplateSyntaxError(
            _("Widths in %(filter)s are limited to %(limit)d, not %(width)d.")
            % {"filter": name, "limit": max_width(), "width": width}
        )


def _bounded(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(original)
    def bounded(value: Any, *arg: Any) -> Any:
        if arg:
            _check_width(name, arg[0])
        return original(value, *arg)

    return bounded


for _name in ("ljust", "rjust", "center", "floatformat"):
    _original = getattr(defaultfilters, _name)
    register.filter(_name, _bounded(_name, _original), is_safe=getattr(_original, "is_safe", False))


@register.filter(is_safe=True)
def stringformat(value: Any, arg: Any) -> Any:
    """Django's ``stringformat`` with every width and precision in the format bounded."""
    for number in _FORMAT_NUMBERS.findall(str(arg)):
        _check_width("stringformat", number)
    return defaultfilters.stringformat(value, arg)


@register.tag
def widthratio(parser, token):
    """Django's ``{% widthratio %}`` with a bounded maximum width when it is a literal."""
    bits = token.split_contents()
    if len(bits) >= 4:
        _check_width("widthratio", bits[3])
    return defaulttags.widthratio(parser, token)
