"""One row per Saleor instance the app is installed in."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SaleorInstall(models.Model):
    """An install: the Saleor API URL, the app token Saleor issued and its cached public keys.

    Webhooks are looked up by their ``Saleor-Api-Url`` header; a URL with no active install is
    refused. ``jwks`` caches the keys at ``<origin>/.well-known/jwks.json``; an unknown key id
    refetches them (at most once per ``TRIGGERS_SALEOR_JWKS_REFETCH_INTERVAL``).
    """

    api_url = models.URLField(_("Saleor API URL"), max_length=500, unique=True)
    domain = models.CharField(_("Saleor domain"), max_length=255, blank=True)
    app_id = models.CharField(_("app id in Saleor"), max_length=255, blank=True)
    token = models.CharField(
        _("app token"), max_length=255, blank=True, help_text=_("Issued by Saleor at install; a secret.")
    )
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=255,
        blank=True,
        help_text=_("Only for webhooks registered by hand with a secret key (legacy HMAC-SHA256 signatures)."),
    )
    jwks = models.JSONField(_("public keys (JWKS)"), default=dict, blank=True)
    jwks_fetched_at = models.DateTimeField(_("keys fetched"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    installed_at = models.DateTimeField(_("installed"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Saleor install")
        verbose_name_plural = _("Saleor installs")

    def __str__(self) -> str:
        return self.api_url

    @property
    def key_prefix(self) -> str:
        """Short, stable prefix for the idempotency keys of this install's events."""
        return "saleor:" + hashlib.sha256(self.api_url.encode()).hexdigest()[:12]
