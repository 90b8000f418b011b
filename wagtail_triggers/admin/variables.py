"""The reference of variables beside the letter editor, made from the letter's real context.

Built from :func:`~wagtail_triggers.context.sample_context` for the letter's key, so it lists
exactly what that scenario's letters get (a cart in forgotten-cart letters, an order in
follow-ups, neither in wake-up chains), with the sample values the preview uses.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.template import Template, TemplateSyntaxError
from django.template.base import FilterExpression, TokenType
from django.template.base import Variable as TemplateVariable
from django.template.defaulttags import ForNode, TemplateLiteral
from django.templatetags.i18n import BlockTranslateNode
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..context import sample_context
from ..errors import LetterError
from ..rendering import PARTIALS_DIR, letter_engine


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
            count = ngettext("%(count)d line", "%(count)d lines", len(value)) % {"count": len(value)}
            found.append(Variable(path, count, loop))
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


# -- names a letter uses that its scenario does not provide -------------------------------------


def _known_paths(context: dict[str, Any]) -> tuple[set[str], dict[str, set[str]]]:
    """Every dotted path of the context whose parent is a dict, and the item fields of its lists."""
    paths: set[str] = set()
    items: dict[str, set[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        paths.add(prefix)
        if isinstance(value, dict):
            for name, inner in value.items():
                walk(f"{prefix}.{name}", inner)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            items[prefix] = set(value[0])

    for root, value in context.items():
        walk(root, value)
    return paths, items


def _expressions(node: Any) -> Iterator[FilterExpression]:
    """The filter expressions a node evaluates itself (not its children's)."""
    if isinstance(node, TemplateLiteral):
        yield node.value
        return
    for attribute in ("filter_expression", "sequence", "counter", "value"):
        value = getattr(node, attribute, None)
        if isinstance(value, FilterExpression):
            yield value
    for value in (getattr(node, "extra_context", None) or {}).values():
        if isinstance(value, FilterExpression):
            yield value
    for condition, _nodelist in getattr(node, "conditions_nodelists", None) or ():
        yield from _condition_expressions(condition)


def _condition_expressions(condition: Any) -> Iterator[FilterExpression]:
    if condition is None:
        return
    if isinstance(condition, TemplateLiteral):
        yield condition.value
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        yield from _condition_expressions(part)


def _variables_of(expression: FilterExpression) -> Iterator[tuple[str, ...]]:
    """The lookups of the expression's variable and of its filters' variable arguments."""
    if isinstance(expression.var, TemplateVariable) and expression.var.lookups:
        yield expression.var.lookups
    for _filter, arguments in expression.filters:
        for is_lookup, argument in arguments:
            if is_lookup and isinstance(argument, TemplateVariable) and argument.lookups:
                yield argument.lookups


Found = list[tuple[tuple[str, ...], dict[str, str]]]


def _walk(nodelist: Any, loops: dict[str, str], bound: set[str], found: Found) -> None:
    """Collect the lookups under ``nodelist`` with the loop variables in scope (name → list
    path); names the letter binds itself (``with``, ``count``, ``… as name``) are not checked."""
    bound = set(bound)
    for node in nodelist:
        for expression in _expressions(node):  # a tag's own expressions see the outer names
            found.extend((lookups, loops) for lookups in _variables_of(expression) if lookups[0] not in bound)
        inner_loops = loops
        if isinstance(node, ForNode):
            sequence = node.sequence.var.lookups if isinstance(node.sequence.var, TemplateVariable) else None
            inner_loops = {**loops, **dict.fromkeys(node.loopvars, ".".join(sequence) if sequence else "")}
        inner_bound = bound | set(getattr(node, "extra_context", None) or {})
        if getattr(node, "countervar", None):
            inner_bound.add(node.countervar)
        if isinstance(node, BlockTranslateNode):
            for token in [*node.singular, *(node.plural or [])]:
                if token.token_type == TokenType.VAR and token.contents not in inner_bound:
                    found.append(((token.contents,), loops))
        for attribute in getattr(node, "child_nodelists", ()):
            child = getattr(node, attribute, None)
            if child:
                _walk(child, inner_loops, inner_bound, found)
        for attribute in ("asvar", "var_name", "variable_name"):  # bound for what follows
            if isinstance(getattr(node, attribute, None), str):
                bound.add(getattr(node, attribute))


@dataclass(frozen=True)
class UnknownVariable:
    name: str
    suggestion: str | None


def unknown_variables(sources: list[str], key: str, language: str) -> list[UnknownVariable]:
    """Names the letter's text uses that the scenario's context does not have (they render
    blank), each with the closest known name; empty when the text does not parse (saving
    reports that error itself)."""
    context = sample_context(key, language)
    paths, items = _known_paths(context)
    paths |= {"forloop", "True", "False", "None"}
    found: Found = []
    for source in sources:
        try:
            template = Template(source, engine=letter_engine(False))
        except (TemplateSyntaxError, LetterError):
            return []
        _walk(template.nodelist, {}, set(), found)
    unknown: dict[str, UnknownVariable] = {}
    for lookups, loops in found:
        root, *rest = lookups
        if root == "forloop":
            continue
        if root in loops:
            fields = items.get(loops[root])
            if fields is None or not rest or rest[0] in fields:
                continue
            name = f"{root}.{rest[0]}"
            candidates = [f"{root}.{field}" for field in fields]
        else:
            name = _first_unknown(lookups, paths, context)
            if name is None:
                continue
            parent = name.rpartition(".")[0]
            candidates = (
                [path for path in paths if path.rpartition(".")[0] == parent and "." in path]
                if parent
                else list(context)
            )
        if name not in unknown:
            close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
            unknown[name] = UnknownVariable(name, close[0] if close else None)
    return list(unknown.values())


def _first_unknown(lookups: tuple[str, ...], paths: set[str], context: dict[str, Any]) -> str | None:
    """The shortest unknown prefix of ``lookups`` whose parent is a dict of the context."""
    value: Any = context
    for depth, part in enumerate(lookups):
        if value is None and depth:  # a group other scenarios have (a cart in a wake-up letter)
            return ".".join(lookups[: depth + 1])
        if not isinstance(value, dict):
            return None  # a list index or a string's method
        if part not in value:
            return ".".join(lookups[: depth + 1])
        value = value[part]
    return None
