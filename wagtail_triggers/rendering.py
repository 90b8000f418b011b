"""MJML letters → HTML and plain text, compiled once, rendered cheaply per recipient.

The pipeline is Django template language over MJML → mjml-python → premailer. Running MJML
and premailer per recipient would make premailer ~95 % of the cost, so :func:`compile_letter`
runs them once on the *template* instead: every template construct (``{{ … }}``, ``{% … %}``)
is swapped for an inert token, the tokenised MJML is compiled and inlined, and the tokens are
swapped back, giving an ordinary Django template of inlined HTML. Per recipient only that
template renders (:func:`render_letter`).

Letters run in a sandboxed template engine: no loaders (so no ``include``/``extends`` of site
templates), no ``{% load %}``, no ``{% debug %}``, and only plain values in the context.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.templatetags.i18n import BlockTranslateNode
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from lxml import etree
from mjml import mjml2html
from premailer import Premailer

from . import limits
from .errors import LetterError  # raised here; callers catch it as rendering.LetterError
from .preheader import hide_preheader
from .sanitize import check_markup
from .textpart import html_to_text

PARTIALS_DIR = Path(__file__).parent / "templates" / "wagtail_triggers" / "email" / "partials"

# Whole blocktranslate spans are one token so their msgid reaches gettext byte for byte.
_CONSTRUCT = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}"
    r"|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}",
    re.S,
)
_TOKEN = re.compile(r"zqtt(\d+)ttqz")
_BLOCK_TRANSLATE = re.compile(r"\{%\s*blocktrans(?:late)?\b")
_CONSTANT_TRANSLATE = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])((?:(?!\1).)*)\1\s*%\}""", re.S)
_MJ_TAG = re.compile(r"<\s*/?\s*(mj-[a-z0-9-]+)", re.I)
KNOWN_MJ_TAGS = frozenset(
    [
        "mj-accordion",
        "mj-accordion-element",
        "mj-accordion-text",
        "mj-accordion-title",
        "mj-all",
        "mj-attributes",
        "mj-body",
        "mj-breakpoint",
        "mj-button",
        "mj-carousel",
        "mj-carousel-image",
        "mj-class",
        "mj-column",
        "mj-divider",
        "mj-font",
        "mj-group",
        "mj-head",
        "mj-hero",
        "mj-html-attribute",
        "mj-html-attributes",
        "mj-image",
        "mj-include",
        "mj-navbar",
        "mj-navbar-link",
        "mj-preview",
        "mj-raw",
        "mj-section",
        "mj-selector",
        "mj-social",
        "mj-social-element",
        "mj-spacer",
        "mj-style",
        "mj-table",
        "mj-text",
        "mj-title",
        "mj-wrapper",
    ]
)


@dataclass(frozen=True)
class CompiledLetter:
    subject: Template
    preheader: Template
    html: Template
    text: Template


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    preheader: str
    html: str
    text: str


@cache
def letter_engine(debug: bool = True) -> Engine:
    """The sandboxed engine letters are parsed with.

    The debug flavour checks what editors wrote (errors carry line numbers); compiled
    letters use the plain one, which renders faster.
    """
    return Engine(
        loaders=[],
        libraries={},
        builtins=[
            "django.templatetags.i18n",
            "wagtail_triggers.templatetags.triggers_letters",
            "wagtail_triggers.templatetags.triggers_sandbox",
        ],
        debug=debug,
        autoescape=True,
    )


def _parse(source: str, field: str, *, debug: bool = True) -> Template:
    engine = letter_engine(debug)
    try:
        return Template(source, engine=engine)
    except TemplateSyntaxError as exc:
        info = getattr(exc, "template_debug", None) or {}
        raise LetterError(field, str(exc), info.get("line")) from exc


@cache
def partial_source(name: str) -> str:
    """A shipped MJML partial (header, footer…); nothing outside the partials folder loads."""
    path = (PARTIALS_DIR / name).resolve()
    if path.parent != PARTIALS_DIR.resolve() or not path.is_file():
        raise LetterError(
            "body",
            _("Unknown include %(name)r: letters may include only shipped partials.") % {"name": name},
        )
    return path.read_text(encoding="utf-8")


class _Tokens:
    """Swaps template constructs for inert tokens and back."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def hide(self, source: str) -> str:
        def swap(match: re.Match[str]) -> str:
            self.items.append(match.group(0))
            return f"zqtt{len(self.items) - 1}ttqz" + "\n" * match.group(0).count("\n")

        return _CONSTRUCT.sub(swap, source)

    def restore(self, text: str, *, translate_as: str | None = None) -> str:
        """Put the constructs back; with ``translate_as`` ("html" or "text"), constant
        ``{% translate "…" %}`` tags are replaced by their translation in the active
        language, so a compiled letter does not call gettext for every recipient."""

        def put_back(match: re.Match[str]) -> str:
            construct = self.items[int(match.group(1))]
            if translate_as:
                return _pretranslate(construct, html=translate_as == "html") or construct
            return construct

        return _TOKEN.sub(put_back, text)


def _pretranslate(construct: str, *, html: bool) -> str | None:
    """The construct with its translation baked in, or None to leave it to render time.

    Handles ``{% translate "constant" %}`` and ``{% blocktranslate [with …] %}`` without
    plural, context or ``asvar``; the latter becomes ``{% with … %}text {{ var }}{% endwith %}``.
    """
    constant = _CONSTANT_TRANSLATE.fullmatch(construct)
    if constant:
        translated = gettext(constant.group(2))
        if "{" in translated:
            return None
        return escape(translated) if html else translated
    if not _BLOCK_TRANSLATE.match(construct):
        return None
    node = Template(construct, engine=letter_engine(False)).nodelist[0]
    if not isinstance(node, BlockTranslateNode) or node.plural or node.asvar or node.message_context:
        return None
    singular, names = node.render_token_list(node.singular)
    translated = gettext(singular)
    if "{" in translated:
        return None
    try:
        text = translated % {name: "{{ " + name + " }}" for name in names}
    except (KeyError, ValueError, TypeError):
        return None
    if not node.extra_context:
        return text
    bindings = " ".join(f"{name}={value.token}" for name, value in node.extra_context.items())
    return f"{{% with {bindings} %}}{text}{{% endwith %}}"


def check_mjml_tags(body: str) -> None:
    """mjml-python silently renders unknown ``mj-*`` tags; report them instead."""
    for number, line in enumerate(body.splitlines(), start=1):
        for match in _MJ_TAG.finditer(line):
            tag = match.group(1).lower()
            if tag not in KNOWN_MJ_TAGS:
                raise LetterError("body", _("Unknown MJML tag <%(tag)s>.") % {"tag": tag}, number)


_INCLUDE = re.compile(r"""<mj-include\s+path=(["'])([^"']+)\1\s*/?>(?:\s*</mj-include>)?""")


def expand_includes(source: str, depth: int = 0) -> tuple[str, list[int]]:
    """Splice shipped partials in place of ``<mj-include>``.

    mjml-python's own include loader loses the body's width in included sections, so
    partials are spliced in as text. Returns the text and, for each of its lines, the line
    of ``source`` it came from, so MJML errors point at the editor's line.
    """
    if depth > 3:
        raise LetterError("body", _("Includes are nested too deeply."))
    lines: list[str] = []
    origin: list[int] = []
    for number, line in enumerate(source.split("\n"), start=1):

        def splice(match: re.Match[str], number: int = number) -> str:
            try:
                partial = partial_source(match.group(2))
            except LetterError as error:
                error.line = number
                raise
            return expand_includes(partial.rstrip("\n"), depth + 1)[0]

        expanded = _INCLUDE.sub(splice, line)
        lines.append(expanded)
        origin.extend([number] * (expanded.count("\n") + 1))
    return "\n".join(lines), origin


def _mjml_to_html(mjml_source: str, origin: list[int]) -> str:
    try:
        return mjml2html(mjml_source, fonts={})
    except Exception as exc:  # mjml-python raises ValueError with a character span
        message = str(exc)
        span = re.search(r"position (\d+):\d+", message)
        index = mjml_source[: int(span.group(1))].count("\n") if span else _xml_error_line(mjml_source)
        line = origin[index] if index is not None and index < len(origin) else None
        raise LetterError("body", _("MJML error: %(error)s") % {"error": message}, line) from exc


def _xml_error_line(source: str) -> int | None:
    """mjml-python often names no position; an XML parser usually finds the broken line."""
    try:
        etree.fromstring(source.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return error.lineno - 1 if error.lineno else None
    return None


def inline_css(html: str) -> str:
    """premailer, without network or file access, keeping media queries for mobile."""
    return Premailer(
        html,
        keep_style_tags=True,
        strip_important=False,
        disable_validation=True,
        cssutils_logging_level=50,
        allow_network=False,
        allow_loading_external_files=False,
        disable_link_rewrites=True,
    ).transform()


_LINK_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.I)
_UNTRACKED = re.compile(r"^(mailto:|tel:|#)|links\.(unsubscribe|preferences)")


def _track_links(html: str, tokens: _Tokens) -> str:
    """Wrap link targets in ``{% track_click %}``, which renders the plain link unless the
    letter being sent tracks clicks; unsubscribe and preferences links are never wrapped."""

    def wrap(match: re.Match[str]) -> str:
        target = match.group(2)
        if not target.strip() or _UNTRACKED.search(tokens.restore(target)):
            return match.group(0)
        return f"{match.group(1)}{{% track_click %}}{target}{{% end_track_click %}}{match.group(3)}"

    return _LINK_HREF.sub(wrap, html)


def _add_open_pixel(html: str) -> str:
    """``{% open_pixel %}`` before ``</body>``: nothing unless the letter tracks opens."""
    head, body_end, tail = html.rpartition("</body>")
    return f"{head}{{% open_pixel %}}{body_end}{tail}" if body_end else html + "{% open_pixel %}"


_MJML_ROOT = re.compile(r"<mjml\b([^>]*)>", re.I)
_LANGUAGE_ATTRIBUTE = re.compile(r"""\s(?:lang|dir)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)""", re.I)
_LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_HTML_LANG = re.compile(r"(<html\b[^>]*?\slang=\"[^\"]*\")", re.I)


def _with_language(mjml_source: str, language: str) -> str:
    """The letter's language and direction on ``<mjml>``: mjml-python writes them on
    ``<html>`` and on the letter's article (without them: ``lang="und" dir="auto"``)."""
    if not _LANGUAGE_CODE.fullmatch(language):
        return mjml_source
    direction = "rtl" if language.split("-")[0].lower() in settings.LANGUAGES_BIDI else "ltr"

    def put(match: re.Match[str]) -> str:
        attributes = _LANGUAGE_ATTRIBUTE.sub("", match.group(1))
        return f'<mjml{attributes} lang="{language}" dir="{direction}">'

    return _MJML_ROOT.sub(put, mjml_source, count=1)


def _compile_html_and_text(body: str, language: str) -> tuple[str, str]:
    check_mjml_tags(body)
    tokens = _Tokens()
    expanded, origin = expand_includes(body)
    limits.check_size(expanded, "body")
    limits.check_nesting(expanded, origin)  # mjml-python segfaults on thousands of levels
    hidden = tokens.hide(expanded)
    check_markup(hidden, origin)  # no scripts, handlers or tag names built by template tags
    html = inline_css(hide_preheader(_mjml_to_html(_with_language(hidden, language), origin)))
    if not html.lstrip().lower().startswith("<!doctype"):
        html = "<!doctype html>\n" + html
    if _LANGUAGE_CODE.fullmatch(language):  # the XHTML namespace mjml declares reads xml:lang
        html = _HTML_LANG.sub(rf'\1 xml:lang="{language}"', html, count=1)
    html = _track_links(html, tokens)
    text = html_to_text(html)  # after tracking: the text part's links are counted too
    html = _add_open_pixel(html)
    with translation.override(language):
        return tokens.restore(html, translate_as="html"), tokens.restore(text, translate_as="text")


@lru_cache(maxsize=256)
def compile_letter(subject: str, preheader: str, body: str, language: str) -> CompiledLetter:
    """Compile a letter once per language; cached by its source, so once per published revision."""
    subject, preheader, body = (text.replace("\r\n", "\n").replace("\r", "\n") for text in (subject, preheader, body))
    limits.check_size(body, "body")
    for field, source in (("subject", subject), ("preheader", preheader), ("body", body)):
        limits.check_template_syntax(source, field)  # keeps the tokenisers below linear
    _parse(subject, "subject")  # report errors with the editor's line numbers
    _parse(preheader, "preheader")
    _parse(body, "body")
    try:
        html, text = _compile_html_and_text(body, language)
    except RecursionError as exc:  # a last guard: the depth check should have refused it
        raise LetterError("body", _("The letter is nested too deeply.")) from exc
    return CompiledLetter(
        subject=limits.instrument(_parse(subject, "subject", debug=False)),
        preheader=limits.instrument(_parse(preheader, "preheader", debug=False)),
        html=limits.instrument(_parse(html, "body", debug=False)),
        text=limits.instrument(_parse("{% autoescape off %}" + text + "{% endautoescape %}", "body", debug=False)),
    )


def _render(template: Template, context: Context, budget: limits.RenderBudget) -> str:
    with limits.budgeted(context, budget):
        output = template.render(context)
    limits.check_output(output, budget)
    return output


def _plain(template: Template, context: dict[str, Any], budget: limits.RenderBudget | None = None) -> str:
    context = Context(context, autoescape=False, use_l10n=False)
    return " ".join(_render(template, context, budget or limits.RenderBudget()).split())


_BLANK_RUNS = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")
_LINE_INDENT = re.compile(r"^[ \t]+", re.M)


def render_letter(
    compiled: CompiledLetter, context: dict[str, Any], language: str, budget: limits.RenderBudget | None = None
) -> RenderedLetter:
    """The per-recipient part: four template renders, no MJML, no premailer.

    All four share one :class:`~wagtail_triggers.limits.RenderBudget` (time and output);
    over it, :class:`~wagtail_triggers.limits.RenderLimitExceeded` fails this letter alone.
    """
    budget = budget or limits.RenderBudget()
    with _language(language):
        subject = _plain(compiled.subject, context, budget)
        preheader = _plain(compiled.preheader, context, budget)
        full = {
            **context,
            "letter": {**context.get("letter", {}), "subject": subject, "preheader": preheader},
        }
        html = _render(compiled.html, Context(full, use_l10n=False), budget)
        text = _render(compiled.text, Context(full, use_l10n=False), budget)
    text = _BLANK_RUNS.sub("\n\n", _LINE_INDENT.sub("", text)).strip() + "\n"
    return RenderedLetter(subject=subject, preheader=preheader, html=html, text=text)


def _language(language: str):
    """Activate ``language`` unless it already is (a worker renders batches in one language)."""
    return nullcontext() if translation.get_language() == language else translation.override(language)


def validate_letter(subject: str, preheader: str, body: str, context: dict[str, Any], language: str) -> RenderedLetter:
    """Compile and render once with sample data; raises :class:`LetterError` on any problem."""
    if not subject.strip():
        raise LetterError("subject", _("A letter needs a subject."))
    compiled = compile_letter(subject, preheader, body, language)
    try:
        return render_letter(compiled, context, language)
    except LetterError:
        raise
    except Exception as exc:  # a filter failing on sample data, a bad blocktranslate…
        info = getattr(exc, "template_debug", None) or {}
        raise LetterError(
            "body", _("The letter fails to render: %(error)s") % {"error": exc}, info.get("line")
        ) from exc
