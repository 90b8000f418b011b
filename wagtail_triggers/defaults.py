"""The shipped letters: files are the defaults, database rows are the editors' copies.

A shipped letter is an MJML file whose ``<mj-title>`` is the subject and ``<mj-preview>``
the preheader; both are lifted out into their own fields when a database copy is made, and
the shared head partial puts them back when the letter renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from .letter_versions import split_letter
from .rendering import LETTERS_DIR, shipped_letter


@dataclass(frozen=True)
class LetterSource:
    key: str
    subject: str
    preheader: str
    body: str


def shipped_source(key: str) -> LetterSource:
    """Split a shipped letter into subject, preheader and body. Raises LookupError if absent."""
    subject, preheader, body = split_letter(shipped_letter(key))
    return LetterSource(key=key, subject=subject, preheader=preheader, body=body)


def shipped_keys() -> list[str]:
    return sorted(str(p.relative_to(LETTERS_DIR).with_suffix("")) for p in LETTERS_DIR.rglob("*.mjml"))
