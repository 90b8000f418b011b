"""Events: what the shop told us, stored once, processed later by the queue."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One shop event. Written with a single INSERT in the shop's request.

    ``key`` is the caller's idempotency key: a second event with the same key is not stored.
    ``processed_at`` stays empty until the engine has enrolled and stopped chains for it.
    """

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    email = models.EmailField(_("email"), max_length=254)
    customer_id = models.CharField(_("customer id"), max_length=255, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=255, blank=True)
    cart_id = models.CharField(
        _("cart id"),
        max_length=255,
        blank=True,
        help_text=_("For orders: the cart the order came from."),
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    key = models.CharField(_("idempotency key"), max_length=255, null=True, blank=True, unique=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    error = models.TextField(_("processing error"), blank=True)
    duplicate = models.BooleanField(
        _("duplicate"),
        default=False,
        help_text=_("A repeat of an earlier order event without an idempotency key; it changed nothing."),
    )
    contact = models.ForeignKey(
        "wagtail_triggers.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["processed_at", "id"], name="wt_event_pending"),
            models.Index(fields=["email", "kind", "occurred_at"], name="wt_event_email"),
            models.Index(fields=["cart_id"], name="wt_event_cart"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.email} {self.subject_id}"
