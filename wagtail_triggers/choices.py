"""Fixed sets of values shared by models, links and views, importable without the app registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnswerKey(models.TextChoices):
    """The one-click answers to "why did you stop coming?" (``links.answers``)."""

    TOO_EXPENSIVE = "too_expensive", _("Too expensive")
    NOT_FOUND = "not_found", _("Didn't find what I needed")
    ELSEWHERE = "elsewhere", _("Bought elsewhere")
    BUSY = "busy", _("Just busy, I'll be back")
    OTHER = "other", _("Something else")
