"""Coupons issued by the default coupon provider."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IssuedCoupon(models.Model):
    """A personal coupon code issued for one letter.

    Only the default provider stores coupons here; a shop with its own voucher system points
    ``TRIGGERS_COUPON_PROVIDER`` at a callable that creates the voucher there instead.
    """

    code = models.CharField(_("code"), max_length=64, unique=True)
    # Empty once the person was forgotten: the code stays valid at checkout, unlinked from anyone.
    contact = models.ForeignKey(
        "wagtail_triggers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )
    percent = models.PositiveSmallIntegerField(_("discount, %"))
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)

    class Meta:
        verbose_name = _("issued coupon")
        verbose_name_plural = _("issued coupons")

    def __str__(self) -> str:
        return self.code
