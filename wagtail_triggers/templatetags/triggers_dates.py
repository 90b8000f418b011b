"""Dates in the app's admin screens the way Wagtail shows them (``{% load triggers_dates %}``).

Wagtail's listings render a moment as ``{% human_readable_date %}``: "3 hours ago", with the full
date and time (``DATETIME_FORMAT``) in a tooltip. Its text only looks back, though ("just now"
for any future moment), while a chain's next letter lies ahead: ``{% admin_date %}`` gives the
same markup, reading "in 2 days" for the future.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from wagtail.admin.templatetags.wagtailadmin_tags import timesince_simple

register = template.Library()


def relative(value: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """ "3 hours ago" as Wagtail says it, or "in 2 days" for a moment ahead."""
    now = now or timezone.now()
    if value > now + datetime.timedelta(minutes=1):
        return _("in %(time_period)s") % {"time_period": timeuntil(value, now).split(",")[0]}
    return str(timesince_simple(value))


@register.inclusion_tag("wagtail_triggers/admin/shared/date.html")
def admin_date(value, description: str = "", placement: str = "top") -> dict:
    """``{% admin_date delivery.sent_at %}``: Wagtail's human-readable date, past or future."""
    if not value:
        return {"date": None}
    if isinstance(value, datetime.datetime):
        text, tooltip = relative(value), get_format("DATETIME_FORMAT")
    else:
        text, tooltip = "", get_format("DATE_FORMAT")
    return {
        "date": value,
        "text": capfirst(text),
        "tooltip_format": tooltip,
        "description": description,
        "placement": placement,
    }
