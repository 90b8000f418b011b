"""Which database copies of the shipped letters nobody has edited.

A copy counts as unedited when its subject, preheader and body equal a version of the
shipped letter that was ever released. Those versions are kept as digests in
``shipped_letters.json`` (written from the git history by ``scripts/shipped_letter_digests``),
so an upgrade can bring unedited copies to the new shipped letter and leave edited ones alone.

Stdlib only: the script imports this module without configuring Django.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

DIGESTS_FILE = Path(__file__).parent / "shipped_letters.json"

_TITLE = re.compile(r"^[ \t]*<mj-title>(.*?)</mj-title>[ \t]*\n?", re.S | re.M)
_PREVIEW = re.compile(r"^[ \t]*<mj-preview>(.*?)</mj-preview>[ \t]*\n?", re.S | re.M)


def split_letter(text: str) -> tuple[str, str, str]:
    """Subject (``<mj-title>``), preheader (``<mj-preview>``) and the rest of a letter file."""
    subject = _TITLE.search(text)
    preheader = _PREVIEW.search(text)
    body = _PREVIEW.sub("", _TITLE.sub("", text, count=1), count=1)
    return (
        subject.group(1).strip() if subject else "",
        preheader.group(1).strip() if preheader else "",
        body,
    )


def _normalise(text: str) -> str:
    """The admin's form posts CRLF and editors' tools trim spaces: neither is an edit."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def same_text(first: str, second: str) -> bool:
    """The same text but for line endings and trailing spaces (which the admin's form changes)."""
    return _normalise(first) == _normalise(second)


def content_digest(subject: str, preheader: str, body: str) -> str:
    """sha256 hex of a letter's content, the same for the same text whatever its line endings."""
    content = "\0".join(_normalise(part) for part in (subject, preheader, body))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def file_digest(text: str) -> str:
    """The digest of a letter file's own content (partials are not expanded)."""
    return content_digest(*split_letter(text))


@cache
def released_digests() -> dict[str, frozenset[str]]:
    """Every released version of every shipped letter, by key."""
    data = json.loads(DIGESTS_FILE.read_text(encoding="utf-8"))
    return {key: frozenset(digests) for key, digests in data.items()}


def is_released_version(key: str, subject: str, preheader: str, body: str) -> bool:
    return content_digest(subject, preheader, body) in released_digests().get(key, frozenset())
