"""Absolute URLs put into letters, and which hosts a link taken from event data may lead to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http.request import validate_host
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


# -- the link allow-list (TRIGGERS_ALLOWED_LINK_HOSTS) ------------------------------------------


def host_of(url: str) -> str:
    """The lower-case host of an absolute URL, without port ("" when there is none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:  # e.g. an invalid IPv6 literal
        return ""


def _configured_hosts() -> list[str] | None:
    hosts = conf.get("TRIGGERS_ALLOWED_LINK_HOSTS")
    if hosts is None:
        return None
    return [str(host).lower() for host in hosts]


def _settings_hosts() -> list[str]:
    """The shop's own hosts known without a query: the base URL's and the shop URL's."""
    return [host for host in (host_of(conf.base_url()), host_of(conf.shop_url())) if host]


def _site_hosts() -> list[str]:
    """Hostnames of the Wagtail Sites, from Wagtail's cached site root paths (a query only on a
    cold cache; Wagtail clears it whenever a Site is saved or deleted)."""
    from wagtail.models import Site

    return [host for path in Site.get_site_root_paths() if (host := host_of(path.root_url))]


def is_allowed_host(host: str) -> bool:
    """May a link from event data lead to ``host``?

    ``TRIGGERS_ALLOWED_LINK_HOSTS`` when set (same patterns as ``ALLOWED_HOSTS``:
    ``".shop.example"`` for subdomains, ``"*"`` for any host); otherwise the host of
    ``TRIGGERS_BASE_URL``, of ``TRIGGERS_SHOP_URL`` and of every Wagtail Site.
    """
    if not host:
        return False
    configured = _configured_hosts()
    if configured is not None:
        return validate_host(host, configured)
    if validate_host(host, _settings_hosts()):
        return True
    return validate_host(host, _site_hosts())


def is_allowed_link(url: Any) -> bool:
    """An absolute http(s) URL whose host is on the link allow-list."""
    return isinstance(url, str) and url.startswith(("http://", "https://")) and is_allowed_host(host_of(url))
