"""The app manifest Saleor reads when the app is installed by its manifest URL."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

import wagtail_triggers

from . import conf
from .queries import PERMISSIONS, QUERIES


def absolute(request: HttpRequest | None, path: str, origin: str | None = None) -> str:
    """``path`` on the app's public origin: ``origin``, else the setting, else the request's."""
    origin = origin or conf.get("TRIGGERS_SALEOR_APP_URL")
    if origin:
        return origin.rstrip("/") + path
    if request is None:
        raise ValueError("set TRIGGERS_SALEOR_APP_URL to build absolute URLs outside a request")
    return request.build_absolute_uri(path)


def webhook_path(event: str) -> str:
    return reverse("wagtail_triggers_saleor:webhook", kwargs={"event": event.lower().replace("_", "-")})


def build_manifest(request: HttpRequest | None = None) -> dict[str, Any]:
    name = conf.get("TRIGGERS_SALEOR_APP_NAME")
    return {
        "id": conf.get("TRIGGERS_SALEOR_APP_ID"),
        "version": wagtail_triggers.__version__,
        "name": name,
        "about": (
            "Trigger email chains for the shop: forgotten cart, cancelled order, follow-up after an "
            "order and wake-up letters, written in MJML and sent from the Wagtail site."
        ),
        "author": "wagtail-triggers",
        "permissions": list(PERMISSIONS),
        "appUrl": absolute(request, "/"),
        "tokenTargetUrl": absolute(request, reverse("wagtail_triggers_saleor:register")),
        "webhooks": [
            {
                "name": f"{name}: {event.lower().replace('_', ' ')}",
                "asyncEvents": [event],
                "query": query,
                "targetUrl": absolute(request, webhook_path(event)),
                "isActive": True,
            }
            for event, query in QUERIES.items()
        ],
    }
