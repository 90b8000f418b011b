"""The reference of variables beside the letter editor, made from the letter's real context.

Built from :func:`~wagtail_triggers.context.sample_context` for the letter's key, so it lists
exactly what that scenario's letters get (a cart in forgotten-cart letters, an order in
follow-ups, neither in wake-up chains), with the sample values the preview uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..context import sample_context
from ..rendering import PARTIALS_DIR


@dataclass(frozen=True)
class Variable:
    name: str
    example: str
    snippet: str


@dataclass
class Group:
    name: str
    title: Any
    help: Any = ""
    variables: list[Variable] = field(default_factory=list)


GROUPS = [
    ("contact", _("Customer"), ""),
    ("cart", _("Cart"), _("Forgotten-cart letters: the cart as of its latest update.")),
    ("order", _("Order"), _("Order letters: the order as it was when the chain started.")),
    ("coupon", _("Coupon"), _("Only in steps with a coupon; test with {% if coupon %}.")),
    ("absence", _("Absence"), _("Inactivity chains: how long the customer has been away when the letter is sent.")),
    ("links", _("Links"), ""),
    ("shop", _("Shop"), ""),
    ("letter", _("This letter"), ""),
]
HIDDEN = {"letter.delivery_id", "letter.track_opens", "letter.track_clicks", "letter.is_test"}


def _snippet(path: str, value: Any, currency_of: str) -> str:
    if isinstance(value, Decimal):
        return f"{{{{ {path}|money:{currency_of}.currency }}}}"
    if isinstance(value, datetime):
        return f'{{{{ {path}|date:"DATE_FORMAT" }}}}'
    return f"{{{{ {path} }}}}"


def _example(value: Any) -> str:
    if isinstance(value, datetime):
        return date_format(value, "DATE_FORMAT")
    text = str(value)
    return text if len(text) <= 48 else text[:45] + "…"


def _flatten(prefix: str, data: dict[str, Any], currency_of: str) -> list[Variable]:
    found = []
    for name, value in data.items():
        path = f"{prefix}.{name}"
        if path in HIDDEN or isinstance(value, dict):
            continue
        if isinstance(value, list):
            first = value[0] if value and isinstance(value[0], dict) else {}
            if "label" in first:  # links.answers
                item, shown = "answer", '<a href="{{ answer.url }}">{{ answer.label }}</a>'
            else:  # cart and order lines
                item, shown = "line", "{{ line.name }} × {{ line.quantity }}"
            loop = f"{{% for {item} in {path} %}}\n  {shown}\n{{% endfor %}}"
            found.append(Variable(path, _("%(count)d lines") % {"count": len(value)}, loop))
            found.extend(
                Variable(f"{item}.{key}", _example(field), _snippet(f"{item}.{key}", field, currency_of))
                for key, field in first.items()
                if not isinstance(field, (dict, list))
            )
            continue
        found.append(Variable(path, _example(value), _snippet(path, value, currency_of)))
    return found


def variable_groups(key: str, language: str) -> list[Group]:
    """Groups of variables the letter ``key`` can use, with example values."""
    context = sample_context(key, language)
    groups = []
    for name, title, help_text in GROUPS:
        data = context.get(name)
        if not data:
            continue
        groups.append(Group(name, title, help_text, _flatten(name, data, name)))
    return groups


def partials() -> list[Variable]:
    """The shipped MJML partials a letter may include."""
    return [
        Variable(path.stem, "", f'<mj-include path="{path.name}" />') for path in sorted(PARTIALS_DIR.glob("*.mjml"))
    ]
