"""Deliveries: one row per (enrollment, step), the ledger that makes double sends impossible."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown (interrupted while sending)")

    enrollment = models.ForeignKey("wagtail_triggers.Enrollment", on_delete=models.CASCADE, related_name="deliveries")
    position = models.PositiveSmallIntegerField(_("step"))
    step = models.ForeignKey(
        "wagtail_triggers.Step",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    scenario = models.ForeignKey("wagtail_triggers.Scenario", on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey("wagtail_triggers.Contact", on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(_("reason"), max_length=60, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("due"))
    not_before = models.DateTimeField(_("not before"))
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    to_email = models.EmailField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    template_key = models.CharField(_("letter"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    coupon_code = models.CharField(_("coupon"), max_length=64, blank=True)
    coupon_expires_at = models.DateTimeField(_("coupon expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "position"], name="wt_one_delivery_per_step"),
        ]
        indexes = [
            models.Index(fields=["status", "not_before"], name="wt_delivery_queue"),
            models.Index(fields=["contact", "sent_at"], name="wt_delivery_contact"),
            models.Index(fields=["scenario", "sent_at"], name="wt_delivery_scenario"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} #{self.position} ({self.status})"
