"""Coupons issued by the default coupon provider."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IssuedCoupon(models.Model):
    """A personal coupon code issued for one letter.

    Only the default provider stores coupons here; a shop with its own voucher system points
    ``TRIGGERS_COUPON_PROVIDER`` at a callable that creates the voucher there instead.
    ``expires_at`` is the end of the last day printed in the letter, in the contact's time zone.
    """

    code = models.CharField(_("code"), max_length=64, unique=True)
    # Empty once the person was forgotten: the code stays valid at checkout, unlinked from anyone.
    contact = models.ForeignKey(
        "wagtail_triggers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )
    # The letter that carried the code: the scenario and step the reports count it under.
    delivery = models.ForeignKey(
        "wagtail_triggers.Delivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_coupons",
        verbose_name=_("letter"),
    )
    percent = models.PositiveSmallIntegerField(_("discount, %"))
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)
    order_id = models.CharField(_("redeemed with order"), max_length=255, blank=True)
    # A later letter of the same chain gave a new code instead; this one ended then.
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("replaced by")
    )

    class Meta:
        verbose_name = _("issued coupon")
        verbose_name_plural = _("issued coupons")

    def __str__(self) -> str:
        return self.code
