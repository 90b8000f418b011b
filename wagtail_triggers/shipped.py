"""The shipped letters, and which scenario kind a letter key belongs to.

A shipped letter is an MJML file under ``templates/wagtail_triggers/email/letters/`` named by
its key (``forgotten_cart/reminder.mjml``); its ``<mj-title>`` is the subject and
``<mj-preview>`` the preheader. Both are lifted out into their own fields when a database copy
is made, and the shared head partial puts them back when the letter renders. Files are the
defaults; database rows are the editors' copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .kinds import UnknownKind, registry
from .letter_versions import split_letter

if TYPE_CHECKING:  # pragma: no cover
    from .scenarios.base import ScenarioKind

LETTERS_DIR = Path(__file__).parent / "templates" / "wagtail_triggers" / "email" / "letters"


@dataclass(frozen=True)
class LetterSource:
    key: str
    subject: str
    preheader: str
    body: str


def shipped_letter(key: str) -> str:
    """The shipped MJML file of a letter, e.g. ``forgotten_cart/reminder``; LookupError if absent."""
    path = (LETTERS_DIR / f"{key}.mjml").resolve()
    if LETTERS_DIR.resolve() not in path.parents or not path.is_file():
        raise LookupError(key)
    return path.read_text(encoding="utf-8")


def shipped_source(key: str) -> LetterSource:
    """Split a shipped letter into subject, preheader and body. Raises LookupError if absent."""
    subject, preheader, body = split_letter(shipped_letter(key))
    return LetterSource(key=key, subject=subject, preheader=preheader, body=body)


def shipped_keys() -> list[str]:
    return sorted(str(p.relative_to(LETTERS_DIR).with_suffix("")) for p in LETTERS_DIR.rglob("*.mjml"))


def kind_name_of(key: str) -> str:
    """The scenario kind a letter key names: ``forgotten_cart/reminder`` → ``forgotten_cart``."""
    return key.split("/", 1)[0]


def letter_kind(key: str) -> ScenarioKind | None:
    """The registered kind that owns letter ``key``, or None (a letter whose kind is gone)."""
    try:
        return registry.get(kind_name_of(key))
    except UnknownKind:
        return None
