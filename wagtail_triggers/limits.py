"""Bounds on what one letter may cost: source size and nesting, template syntax, render time.

Every check here is a single linear pass (no recursion, no backtracking regex), because it
runs *before* the parts that are not linear or not safe: Django's template lexer and our
construct tokeniser (quadratic on unclosed ``{%``), mjml-python (segfaults on a few thousand
nested elements) and the recursive plain-text walk. At send time a :class:`RenderBudget`
caps template rendering time and output size, so a letter with nested loops over a big
cart fails alone and visibly instead of hanging the tick.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.template import Context, Node, Template
from django.template.defaulttags import ForNode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import conf
from .errors import LetterError, RenderLimitExceeded

# -- the source, before anything parses it ------------------------------------------------

_OPENER = re.compile(r"\{[{%#]")
_CLOSER = {"{%": "%}", "{{": "}}", "{#": "#}"}
_BLOCK_TRANSLATE_START = re.compile(r"\{%\s*blocktrans(?:late)?\b")
_BLOCK_TRANSLATE_END = re.compile(r"\{%\s*endblocktrans(?:late)?\s*%\}")
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)[^<>]*?(/?)>")
_SKIP_START = re.compile(r"<!--|<(mj-style|style|script)\b", re.I)
VOID_TAGS = frozenset(
    [
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"),
        *("param", "source", "track", "wbr", "mj-image", "mj-divider", "mj-spacer", "mj-breakpoint"),
        *("mj-all", "mj-class", "mj-font", "mj-include", "mj-carousel-image"),
    ]
)


def _line_of(source: str, index: int) -> int:
    return source.count("\n", 0, index) + 1


def check_template_syntax(source: str, field: str) -> None:
    """Every ``{%``, ``{{`` and ``{#`` closes on its own line (as Django requires), and every
    ``blocktranslate`` has its end; otherwise :class:`~wagtail_triggers.errors.LetterError`.

    With that guaranteed, every later regex over the source matches at the first closer it
    meets, so tokenising stays linear (16,000 unclosed ``{%`` took a minute before).
    """
    position, line_end, open_block = 0, -1, None
    while True:
        match = _OPENER.search(source, position)
        if match is None:
            break
        start = match.start()
        if start > line_end:
            line_end = source.find("\n", start)
            line_end = len(source) if line_end < 0 else line_end
        opener = match.group()
        close = source.find(_CLOSER[opener], match.end(), line_end)
        if close < 0:
            raise LetterError(
                field,
                _("%(opener)s is not closed by %(closer)s on the same line.")
                % {"opener": opener, "closer": _CLOSER[opener]},
                _line_of(source, start),
            )
        if opener == "{%":
            construct = source[start : close + 2]
            if _BLOCK_TRANSLATE_START.match(construct):
                if open_block is not None:
                    raise LetterError(field, _("A blocktranslate inside another one."), _line_of(source, start))
                open_block = start
            elif _BLOCK_TRANSLATE_END.match(construct):
                open_block = None
        position = close + 2
    if open_block is not None:
        raise LetterError(field, _("This blocktranslate has no endblocktranslate."), _line_of(source, open_block))


def check_size(source: str, field: str) -> None:
    limit = conf.get("TRIGGERS_LETTER_MAX_SIZE")
    if len(source) > limit:
        raise LetterError(
            field,
            ngettext(
                "The letter is too long: %(size)d character, at most %(limit)d.",
                "The letter is too long: %(size)d characters, at most %(limit)d.",
                len(source),
            )
            % {"size": len(source), "limit": limit},
        )


def _unskipped_spans(source: str) -> Iterator[tuple[int, int]]:
    """The parts of ``source`` outside comments and style/script contents, in one pass."""
    lowered = source.lower()
    position = 0
    while True:
        match = _SKIP_START.search(source, position)
        if match is None:
            yield position, len(source)
            return
        yield position, match.start()
        closer = "-->" if match.group() == "<!--" else f"</{match.group(1).lower()}"
        end = lowered.find(closer, match.end())
        if end < 0:
            return
        position = end + len(closer)


def nesting_depth(source: str) -> tuple[int, int]:
    """The deepest element nesting in MJML/HTML ``source`` and the line where it is reached.

    A counter over a flat tag scan, not a tree: unclosed tags count as open, so
    ``<div>`` × 10,000 is 10,000 deep. Comments and style/script contents are skipped.
    """
    depth = deepest = 0
    deepest_at = 0
    for start, end in _unskipped_spans(source):
        for match in _TAG.finditer(source, start, end):
            closing, name, self_closing = match.groups()
            if closing:
                depth = max(depth - 1, 0)
            elif not self_closing and name.lower() not in VOID_TAGS:
                depth += 1
                if depth > deepest:
                    deepest, deepest_at = depth, match.start()
    return deepest, _line_of(source, deepest_at) if deepest else 0


def check_nesting(source: str, origin: list[int] | None = None) -> None:
    """Refuse MJML nested deeper than ``TRIGGERS_LETTER_MAX_DEPTH`` before mjml-python sees it."""
    limit = conf.get("TRIGGERS_LETTER_MAX_DEPTH")
    depth, line = nesting_depth(source)
    if depth > limit:
        if origin and 0 < line <= len(origin):
            line = origin[line - 1]
        raise LetterError(
            "body",
            _("Elements are nested %(depth)d deep; at most %(limit)d.") % {"depth": depth, "limit": limit},
            line,
        )


# -- rendering --------------------------------------------------------------------------


class RenderBudget:
    """A deadline and an output allowance for one letter's render, checked cooperatively.

    Loops are the only way a letter multiplies work, so every ``{% for %}`` iteration checks
    the clock and every loop's output counts against the allowance (nested loops count their
    text at each level: a conservative bound).
    """

    def __init__(self, seconds: float | None = None, max_output: int | None = None):
        seconds = conf.get("TRIGGERS_RENDER_TIME_LIMIT") if seconds is None else seconds
        self.max_output = conf.get("TRIGGERS_RENDER_MAX_OUTPUT") if max_output is None else max_output
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.output = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimitExceeded(
                _("The letter took more than %(seconds)s s to render.") % {"seconds": self.seconds}
            )

    def spend(self, characters: int) -> None:
        self.output += characters
        if self.output > self.max_output:
            raise RenderLimitExceeded(_renders_more_than(self.max_output))


BUDGET_ATTRIBUTE = "_triggers_budget"


def budget_of(context: Context) -> RenderBudget | None:
    return getattr(context, BUDGET_ATTRIBUTE, None)


class _BudgetTick(Node):
    """Put first in every loop body: one clock check per iteration."""

    child_nodelists = ()
    token = None
    origin = None

    def render(self, context: Context) -> str:
        budget = budget_of(context)
        if budget is not None:
            budget.tick()
        return ""


class _BudgetedForNode(ForNode):
    """A ``{% for %}`` whose whole output counts against the render budget."""

    def render(self, context: Context) -> str:
        result = super().render(context)
        budget = budget_of(context)
        if budget is not None:
            budget.spend(len(result))
        return result


def _walk(nodelist) -> Iterator[Node]:
    """Every node of a parsed template, without recursion (templates may nest deeply)."""
    pending = [nodelist]
    while pending:
        for node in pending.pop():
            yield node
            for name in getattr(node, "child_nodelists", ()):
                child = getattr(node, name, None)
                if child:
                    pending.append(child)


def instrument(template: Template) -> Template:
    """Make ``template``'s loops check a :class:`RenderBudget` (done once, when compiled)."""
    for node in list(_walk(template.nodelist)):
        if type(node) is ForNode:
            node.__class__ = _BudgetedForNode
            tick = _BudgetTick()
            tick.token, tick.origin = node.token, node.origin
            node.nodelist_loop.insert(0, tick)
    return template


@contextmanager
def budgeted(context: Context, budget: RenderBudget) -> Iterator[Context]:
    setattr(context, BUDGET_ATTRIBUTE, budget)
    yield context


def _renders_more_than(limit: int) -> str:
    return ngettext(
        "The letter renders more than %(limit)d character.", "The letter renders more than %(limit)d characters.", limit
    ) % {"limit": limit}


def check_output(text: str, budget: RenderBudget) -> None:
    if len(text) > budget.max_output:
        raise RenderLimitExceeded(_renders_more_than(budget.max_output))
