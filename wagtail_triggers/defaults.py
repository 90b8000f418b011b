"""The shipped letters: files are the defaults, database rows are the editors' copies.

A shipped letter is an MJML file whose ``<mj-title>`` is the subject and ``<mj-preview>``
the preheader; both are lifted out into their own fields when a database copy is made, and
the shared head partial puts them back when the letter renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .rendering import LETTERS_DIR, shipped_letter

_TITLE = re.compile(r"^[ \t]*<mj-title>(.*?)</mj-title>[ \t]*\n?", re.S | re.M)
_PREVIEW = re.compile(r"^[ \t]*<mj-preview>(.*?)</mj-preview>[ \t]*\n?", re.S | re.M)


@dataclass(frozen=True)
class LetterSource:
    key: str
    subject: str
    preheader: str
    body: str


def shipped_source(key: str) -> LetterSource:
    """Split a shipped letter into subject, preheader and body. Raises LookupError if absent."""
    text = shipped_letter(key)
    subject = _TITLE.search(text)
    preheader = _PREVIEW.search(text)
    body = _PREVIEW.sub("", _TITLE.sub("", text, count=1), count=1)
    return LetterSource(
        key=key,
        subject=subject.group(1).strip() if subject else "",
        preheader=preheader.group(1).strip() if preheader else "",
        body=body,
    )


def shipped_keys() -> list[str]:
    return sorted(str(p.relative_to(LETTERS_DIR).with_suffix("")) for p in LETTERS_DIR.rglob("*.mjml"))
