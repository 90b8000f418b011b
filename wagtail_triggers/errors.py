"""What a letter fails with, in a leaf module.

The checks (:mod:`~wagtail_triggers.limits`, :mod:`~wagtail_triggers.sanitize`) and the pipeline
(:mod:`~wagtail_triggers.rendering`) all raise these, so none of them imports another for its
errors: limits ← sanitize ← rendering is one direction.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class LetterError(ValueError):
    """A letter that cannot be compiled or rendered; says which field and, when known, which line."""

    def __init__(self, field: str, message: str, line: int | None = None):
        self.field = field
        self.message = message
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        where = _(" (line %(line)d)") % {"line": self.line} if self.line else ""
        return f"{self.message}{where}"


class RenderLimitExceeded(RuntimeError):
    """Rendering one letter took too long or produced too much; the letter fails, nothing else."""
