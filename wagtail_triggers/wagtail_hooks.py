"""Registers the admin (see ``viewsets.py``) and how its actions read in the audit log."""

from __future__ import annotations

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from . import report_hooks  # noqa: F401  (reports and the dashboard panel)
from .admin.log_actions import register_log_actions
from .viewsets import TriggerEmailsMenu, contact_chooser_viewset

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
