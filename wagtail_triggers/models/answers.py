"""Answers: what a customer said when a letter asked why they stopped coming."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import AnswerKey


class Answer(models.Model):
    """One customer's answer to one letter; a later click on another answer replaces it.

    Recorded by :mod:`wagtail_triggers.answers` from the signed one-click links in the letter
    (``links.answers``); mail-scanner prefetches are never recorded.
    """

    Key = AnswerKey

    delivery = models.OneToOneField(
        "wagtail_triggers.Delivery", on_delete=models.CASCADE, related_name="answer", verbose_name=_("letter")
    )
    contact = models.ForeignKey(
        "wagtail_triggers.Contact", on_delete=models.CASCADE, related_name="answers", verbose_name=_("contact")
    )
    scenario = models.ForeignKey(
        "wagtail_triggers.Scenario", on_delete=models.CASCADE, related_name="answers", verbose_name=_("scenario")
    )
    key = models.CharField(_("answer"), max_length=20, choices=Key.choices)
    answered_at = models.DateTimeField(_("answered at"))
    first_answered_at = models.DateTimeField(_("first answered at"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["-answered_at", "-pk"]
        indexes = [models.Index(fields=["scenario", "key"], name="wt_answer_scenario")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.delivery_id})"
