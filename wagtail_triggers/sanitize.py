"""Active content out of letters: scripts, event handlers, ``javascript:`` links, frames, forms.

Mail clients drop all of it anyway, but the admin shows letters to superusers in previews, so
an editor's ``<script>`` must not reach them. :func:`sanitize_body` removes it when a letter
is saved (and says what it removed); :func:`check_markup` refuses, when a letter is compiled,
anything that slipped past (a shipped file, a row written directly, a template tag that
would *build* a tag or attribute name at render time, such as ``<scr{# #}ipt>``).

Both read the MJML with :class:`html.parser.HTMLParser` (a tolerant tokenizer that keeps
positions), with template constructs swapped for inert tokens first, and change only the
exact characters of what they remove: a clean letter comes back byte for byte.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from .errors import LetterError
from .limits import check_size, check_template_syntax

_CONSTRUCT = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S
)
_TOKEN = re.compile(r"zqsx(\d+)xsqz")
_TOKEN_MARK = "zqsx"
#: Token marks of this module and of :mod:`wagtail_triggers.rendering`'s compile step.
_MARKS = re.compile(r"zqsx|zqtt")

#: Removed with everything inside them.
SCRIPT_ELEMENTS = frozenset({"script"})
#: Their tags are removed (the text inside stays, harmless).
ACTIVE_ELEMENTS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "form", "base", "portal"})
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "lowsrc", "dynsrc", "srcset"}
)
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|data:text/html)", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_ATTRIBUTE = re.compile(r"""\s+([^\s/>"'=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


def _bad_url(value: str) -> bool:
    return bool(_BAD_SCHEME.match(_INVISIBLE.sub("", html.unescape(value or ""))))


def _bad_attribute(tag: str, name: str, value: str | None) -> bool:
    name = name.lower()
    if name.startswith("on") or name == "srcdoc":
        return True
    if tag == "meta" and name == "http-equiv":
        return True
    return name in URL_ATTRIBUTES and _bad_url(value or "")


@dataclass
class Finding:
    """One piece of active content: what it is, where (line of the scanned text), its span."""

    what: str
    line: int
    start: int
    end: int


class _Scan(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.findings: list[Finding] = []
        self.names_with_tokens: list[tuple[str, int]] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self._script_start: tuple[int, int] | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _tag_end(self, start: int) -> int:
        end = self.source.find(">", start)
        return len(self.source) if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs, *, closed: bool) -> None:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        line = self.getpos()[0]
        if _MARKS.search(tag):
            self.names_with_tokens.append((tag, line))
        if tag in SCRIPT_ELEMENTS:
            if closed:
                self.findings.append(Finding(f"<{tag}>", line, start, start + len(raw)))
            else:
                self._script_start = (start, line)
            return
        if tag in ACTIVE_ELEMENTS:
            self.findings.append(Finding(f"<{tag}>", line, start, start + len(raw)))
            return
        name_end = len(tag) + 1
        for match in _ATTRIBUTE.finditer(raw, name_end):
            name = match.group(1)
            value = dict(attrs).get(name.lower())
            if _MARKS.search(name):
                self.names_with_tokens.append((name, line))
            elif _bad_attribute(tag, name, value):
                what = f"{name}=" if name.lower().startswith("on") else f'{name}="javascript:…"'
                self.findings.append(Finding(what, line, start + match.start(), start + match.end()))

    def handle_endtag(self, tag: str) -> None:
        start = self._offset()
        if tag in SCRIPT_ELEMENTS and self._script_start is not None:
            begin, line = self._script_start
            self.findings.append(Finding(f"<{tag}>", line, begin, self._tag_end(start)))
            self._script_start = None
        elif tag in ACTIVE_ELEMENTS:
            self.findings.append(Finding(f"</{tag}>", self.getpos()[0], start, self._tag_end(start)))

    def finish(self) -> _Scan:
        self.close()
        if self._script_start is not None:  # an unclosed <script> runs to the end
            begin, line = self._script_start
            self.findings.append(Finding("<script>", line, begin, len(self.source)))
        return self


def _hide(source: str) -> tuple[str, list[str]]:
    items: list[str] = []

    def swap(match: re.Match[str]) -> str:
        items.append(match.group(0))
        return f"{_TOKEN_MARK}{len(items) - 1}xsqz"

    return _CONSTRUCT.sub(swap, source), items


def _restore(text: str, items: list[str]) -> str:
    return _TOKEN.sub(lambda match: items[int(match.group(1))], text)


def scan(source: str) -> _Scan:
    """Find active content in ``source`` (template constructs already hidden or absent)."""
    parser = _Scan(source)
    parser.feed(source)
    return parser.finish()


@dataclass(frozen=True)
class Sanitized:
    body: str
    removed: list[str]


def sanitize_body(body: str) -> Sanitized:
    """``body`` without scripts, event handlers, ``javascript:`` URLs, frames, objects and forms.

    A body over the size limit or with unclosed template tags is returned as it is: compiling
    refuses it with the reason, and the construct regex below is only linear on valid input.
    """
    try:
        check_size(body, "body")
        check_template_syntax(body, "body")
    except LetterError:
        return Sanitized(body, [])
    hidden, items = _hide(body)
    findings = scan(hidden).findings
    if not findings:
        return Sanitized(body, [])
    pieces, position = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position:  # inside something already removed
            continue
        pieces.append(hidden[position : finding.start])
        position = finding.end
    pieces.append(hidden[position:])
    removed = list(dict.fromkeys(finding.what for finding in findings))
    return Sanitized(_restore("".join(pieces), items), removed)


def check_markup(hidden: str, origin: list[int] | None = None) -> None:
    """Refuse active content and template tags that build tag or attribute names.

    ``hidden`` is the MJML with template constructs already swapped for tokens (so a
    construct glued to a name shows up inside that name).
    """

    def line_of(line: int) -> int:
        return origin[line - 1] if origin and 0 < line <= len(origin) else line

    result = scan(hidden)
    if result.names_with_tokens:
        _name, line = result.names_with_tokens[0]
        raise LetterError(
            "body",
            _("Template tags cannot build a tag or attribute name; put them inside the attribute's value."),
            line_of(line),
        )
    if result.findings:
        finding = result.findings[0]
        raise LetterError(
            "body",
            _("Letters cannot contain %(what)s (scripts, event handlers and frames are not allowed).")
            % {"what": finding.what},
            line_of(finding.line),
        )
