"""Registers the admin (built in the ``admin`` package): the "Trigger emails" menu, the
contact chooser, the reports and dashboard panel, and how admin actions read in the audit log.
"""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin import reports
from .admin.choosers import contact_chooser_viewset
from .admin.log_actions import register_log_actions
from .admin.viewsets import TriggerEmailsMenu

# The letters are snippets: registering the group through register_snippet makes them known
# to Wagtail's snippet machinery (publish and lock permissions) along with the other screens.
register_snippet(TriggerEmailsMenu)

hooks.register("register_admin_viewset", lambda: contact_chooser_viewset)
hooks.register("register_log_actions", register_log_actions)


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("wagtail_triggers/admin/admin.css"))


@hooks.register("insert_global_admin_js")
def admin_js():
    return format_html('<script src="{}"></script>', static("wagtail_triggers/admin/admin.js"))


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
    return reports.ReportMenuItem(
        _("Trigger emails"),
        reverse("wagtail_triggers_reports:scenarios"),
        name="trigger-emails",
        icon_name="mail",
        order=650,
    )


@hooks.register("construct_homepage_panels")
def add_last_week_panel(request, panels) -> None:
    if reports.can_see_reports(request.user):
        panels.append(reports.LastWeekPanel())
