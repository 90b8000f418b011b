from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OscarTriggersConfig(AppConfig):
    name = "wagtail_triggers.contrib.oscar"
    label = "wagtail_triggers_oscar"
    verbose_name = _("Trigger emails: django-oscar")

    def ready(self) -> None:
        from . import receivers  # the standard Django way: the receivers need oscar's models loaded

        receivers.connect()
