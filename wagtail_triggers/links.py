"""Absolute URLs put into letters, and which hosts a link taken from event data may lead to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core import signing
from django.http.request import validate_host
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

from . import conf
from .choices import AnswerKey
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


def sample_unsubscribe_url() -> str:
    """The unsubscribe and preferences link of previews and test letters: it leads to the
    unsubscribe page, which reads it as an invalid link, so it acts on nobody."""
    return absolute(reverse("wagtail_triggers:unsubscribe", kwargs={"token": "sample"}))


ANSWER_SALT = "wagtail_triggers.answer"


def answer_token(delivery_id: int, key: str) -> str:
    return signing.TimestampSigner(salt=ANSWER_SALT).sign(f"{delivery_id}.{key}")


def read_answer_token(token: str) -> tuple[int, str]:
    """(delivery id, answer key) or BadSignature / SignatureExpired."""
    value = signing.TimestampSigner(salt=ANSWER_SALT).unsign(token, max_age=conf.get("TRIGGERS_LINK_MAX_AGE"))
    delivery_id, _dot, key = value.partition(".")
    if key not in AnswerKey.values or not delivery_id.isdigit():
        raise signing.BadSignature("unknown answer")
    return int(delivery_id), key


def answer_url(delivery_id: int | None, key: str) -> str:
    """The signed link; previews and test letters (no delivery) get a sample link, like their
    unsubscribe link: nothing in them acts on anyone."""
    if delivery_id is None:
        return absolute(reverse("wagtail_triggers:answer", kwargs={"token": f"sample-{key}"}))
    return absolute(reverse("wagtail_triggers:answer", kwargs={"token": answer_token(delivery_id, key)}))


def answer_links(delivery_id: int | None, language: str = "") -> list[dict[str, str]]:
    """``links.answers`` of a letter: every answer with its label in the letter's language."""
    with translation.override(language or conf.default_language()):
        return [
            {"key": key, "label": str(label), "url": answer_url(delivery_id, key)} for key, label in AnswerKey.choices
        ]


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
