"""Deliveries: one row per (enrollment, step), the ledger that makes double sends impossible."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
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
    # A random <token@host>, drawn once before the first attempt and reused by retries.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    coupon_code = models.CharField(_("coupon"), max_length=64, blank=True)
    coupon_expires_at = models.DateTimeField(_("coupon expires"), null=True, blank=True)
    # What happened after sending (first human occurrence; bots are recorded but not counted here).
    esp_message_id = models.CharField(_("ESP message id"), max_length=255, blank=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("first clicked"), null=True, blank=True)
    open_count = models.PositiveIntegerField(_("opens"), default=0)
    click_count = models.PositiveIntegerField(_("clicks"), default=0)
    unsubscribed_at = models.DateTimeField(_("unsubscribed from this letter"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    complained_at = models.DateTimeField(_("complained"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "position"], name="wt_one_delivery_per_step"),
        ]
        indexes = [
            models.Index(fields=["status", "not_before"], name="wt_delivery_queue"),
            # The send path's claim: due queued letters in the order they go out (not_before, id),
            # read from a small index that holds only the queued rows.
            models.Index(fields=["not_before", "id"], condition=Q(status="queued"), name="wt_delivery_due"),
            models.Index(fields=["contact", "sent_at"], name="wt_delivery_contact"),
            models.Index(fields=["scenario", "sent_at"], name="wt_delivery_scenario"),
            models.Index(fields=["scenario", "position", "sent_at"], name="wt_delivery_step"),
            models.Index(fields=["status", "sent_at"], name="wt_delivery_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} #{self.position} ({self.status})"


class TrackingEvent(models.Model):
    """One thing a letter's recipient (or a machine) did: the raw history behind the counters."""

    class Kind(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        OPEN = "open", _("Opened")
        CLICK = "click", _("Clicked")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        BOUNCE = "bounce", _("Bounced")
        COMPLAINT = "complaint", _("Complained")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tracking_events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    is_bot = models.BooleanField(_("machine"), default=False)
    esp_event_id = models.CharField(_("ESP event id"), max_length=255, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        indexes = [models.Index(fields=["delivery", "kind"], name="wt_tracking_delivery")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delivery_id} {self.occurred_at:%Y-%m-%d %H:%M}"


class Conversion(models.Model):
    """An order attributed to a letter: clicked (or delivered) within the attribution window."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="conversions")
    scenario = models.ForeignKey("wagtail_triggers.Scenario", on_delete=models.CASCADE, related_name="conversions")
    contact = models.ForeignKey("wagtail_triggers.Contact", on_delete=models.CASCADE, related_name="conversions")
    order_id = models.CharField(_("order"), max_length=255)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    occurred_at = models.DateTimeField(_("ordered at"))
    attributed_by = models.CharField(_("attributed by"), max_length=10)  # "click" or "delivery"

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        constraints = [models.UniqueConstraint(fields=["contact", "order_id"], name="wt_one_conversion_per_order")]
        indexes = [models.Index(fields=["scenario", "occurred_at"], name="wt_conversion_scenario")]

    def __str__(self) -> str:
        return f"{self.order_id} ← {self.delivery_id}"
