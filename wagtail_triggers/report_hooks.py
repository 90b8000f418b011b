"""Admin wiring for reports and the dashboard panel (imported by ``wagtail_hooks``)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import reports
from .models import Scenario


class ReportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm("wagtail_triggers.view_scenario") or request.user.has_perm(
            "wagtail_triggers.change_scenario"
        )


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path(
            "reports/trigger-emails/",
            include((reports.urlpatterns(), "wagtail_triggers_reports"), namespace="wagtail_triggers_reports"),
        )
    ]


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return ReportMenuItem(
        _("Trigger emails"),
        reverse("wagtail_triggers_reports:scenarios"),
        name="trigger-emails",
        icon_name="mail",
        order=650,
    )


@hooks.register("construct_homepage_panels")
def add_last_week_panel(request, panels) -> None:
    if request.user.has_perm(f"{Scenario._meta.app_label}.view_scenario") or request.user.has_perm(
        f"{Scenario._meta.app_label}.change_scenario"
    ):
        panels.append(reports.LastWeekPanel())
