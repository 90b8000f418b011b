from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SaleorConfig(AppConfig):
    name = "wagtail_triggers.contrib.saleor"
    label = "wagtail_triggers_saleor"
    verbose_name = _("Trigger emails: Saleor")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import verification  # noqa: F401  (fails early, with a clear message, without PyJWT)
