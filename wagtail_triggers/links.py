"""Absolute URLs put into letters."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse

from . import conf
from .tokens import make_unsubscribe_token


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return conf.base_url() + path


def unsubscribe_url(contact_id: int, delivery_id: int | None = None, scenario_id: int | None = None) -> str:
    token = make_unsubscribe_token(contact_id, delivery_id, scenario_id)
    return absolute(reverse("wagtail_triggers:unsubscribe", kwargs={"token": token}))


def static_url(path: str) -> str:
    return absolute(static(path))
