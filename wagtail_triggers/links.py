"""Absolute URLs put into letters."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse

from . import conf
from .tokens import PREFERENCES, UNSUBSCRIBE, make_contact_token


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return conf.base_url() + path


def unsubscribe_url(contact_id: int, delivery_id: int | None = None, scenario_id: int | None = None) -> str:
    """One-click unsubscribe (RFC 8058). With a scenario: from that scenario only."""
    token = make_contact_token(UNSUBSCRIBE, contact_id, delivery_id, scenario_id)
    return absolute(reverse("wagtail_triggers:unsubscribe", kwargs={"token": token}))


def preferences_url(contact_id: int, delivery_id: int | None = None, scenario_id: int | None = None) -> str:
    token = make_contact_token(PREFERENCES, contact_id, delivery_id, scenario_id)
    return absolute(reverse("wagtail_triggers:preferences", kwargs={"token": token}))


def static_url(path: str) -> str:
    return absolute(static(path))
