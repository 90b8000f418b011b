from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WagtailTriggersConfig(AppConfig):
    name = "wagtail_triggers"
    label = "wagtail_triggers"
    verbose_name = _("Trigger emails")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, the standard Django way: these need the app registry (models) ready.
        from . import checks, esp, receivers  # noqa: F401  (checks: registers the send-timing checks)
        from .scenarios import builtin  # noqa: F401  (registers the built-in kinds)
        from .tasks import register_schedule

        receivers.connect()
        esp.connect()
        post_migrate.connect(register_schedule, sender=self, dispatch_uid="wagtail_triggers.schedule")
