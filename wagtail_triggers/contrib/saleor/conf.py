"""Settings of the Saleor adapter, each with its default here (see ``docs/saleor.md``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Saleor API URLs (e.g. "https://shop.example/graphql/") allowed to install the app.
    # Empty: none. The app mails whatever addresses an install sends, so this is not optional.
    "TRIGGERS_SALEOR_ALLOWED_API_URLS": (),
    # Public origin of this site, for the manifest's URLs; default: the request's own origin.
    "TRIGGERS_SALEOR_APP_URL": None,
    "TRIGGERS_SALEOR_APP_ID": "wagtail-triggers",
    "TRIGGERS_SALEOR_APP_NAME": "Trigger emails",
    # Links in letters, filled from the payload: {slug}; {id} {token} {channel}; {id} {number}.
    "TRIGGERS_SALEOR_PRODUCT_URL": None,
    "TRIGGERS_SALEOR_CART_URL": None,
    "TRIGGERS_SALEOR_ORDER_URL": None,
    # Saleor has no URL that puts an order's products back into a checkout; a storefront that
    # has one names it here ({id}, {number}) for the cancelled-order letters' buttons.
    "TRIGGERS_SALEOR_REORDER_URL": None,
    "TRIGGERS_SALEOR_MAX_BODY_SIZE": 1024 * 1024,
    "TRIGGERS_SALEOR_HTTP_TIMEOUT": 5,
    # A webhook signed with an unknown key refetches the JWKS at most this often per install.
    "TRIGGERS_SALEOR_JWKS_REFETCH_INTERVAL": timedelta(minutes=1),
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def normalize_api_url(url: str) -> str:
    """``HTTPS://Shop.example/graphql`` → ``https://shop.example/graphql/``: one spelling per API."""
    parts = urlsplit((url or "").strip())
    path = (parts.path or "/").rstrip("/") + "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def is_allowed(api_url: str) -> bool:
    allowed = {normalize_api_url(url) for url in get("TRIGGERS_SALEOR_ALLOWED_API_URLS") or ()}
    return normalize_api_url(api_url) in allowed


def refetch_interval() -> timedelta:
    value = get("TRIGGERS_SALEOR_JWKS_REFETCH_INTERVAL")
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))
