"""The plain-text alternative of a letter, derived from its HTML.

Runs once per compiled template (template tokens pass through as text), so it may be
thorough: links keep their URL, images inside links keep their alt text, hidden parts
(the preheader, Outlook-only blocks) are dropped. An element's ``data-text-before``
attribute is written before its text in the plain part only (``= `` before a line total,
so "2 × €14.90 = €29.80" does not read as one number run).
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

_BLOCK = {
    "address",
    "article",
    "blockquote",
    "br",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "p",
    "section",
    "table",
    "tr",
    "ul",
    "ol",
}
_SKIP = {"head", "style", "script", "title", "noscript"}
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # HTML's white space: a no-break space stays
_HIDDEN = re.compile(r"display\s*:\s*none|max-height\s*:\s*0", re.I)


def _inline(text: str | None) -> str:
    """Source line breaks inside text are spaces, as in HTML; only tags make lines."""
    return _SPACES.sub(" ", text) if text else ""


def _walk(element, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if not tag or tag in _SKIP or _HIDDEN.search(element.get("style", "")):
        out.append(_inline(element.tail))
        return
    if tag == "br":
        out.append("\n")
        out.append(_inline(element.tail))
        return
    if tag in _BLOCK:
        out.append("\n")
    if tag == "hr":
        out.append("-" * 40 + "\n")
    if tag == "li":
        out.append("- ")
    if tag == "img" and element.get("alt") and element.getparent() is not None and element.getparent().tag == "a":
        out.append(element.get("alt"))
    if tag in {"h1", "h2"}:
        out.append("\n")
    if element.get("data-text-before"):
        out.append(element.get("data-text-before"))
    start = len(out)
    out.append(_inline(element.text))
    for child in element:
        _walk(child, out)
    if tag == "a":
        href = (element.get("href") or "").strip()
        label = " ".join("".join(out[start:]).split())
        if href and not href.startswith("mailto:") and href != label:
            out.append(f" ({href})" if label else href)
    if tag in {"td", "th"}:
        out.append("  ")
    if tag in _BLOCK:
        out.append("\n")
    out.append(_inline(element.tail))


def html_to_text(html: str) -> str:
    root = lxml_html.document_fromstring(html)
    body = root.find("body")
    out: list[str] = []
    _walk(body if body is not None else root, out)
    lines = (_SPACES.sub(" ", line).strip(" \t\r\f\v") for line in "".join(out).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
