"""Public endpoints reached from letters. No login, no cookies needed, no redirects."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import conf
from .consent import unsubscribe_contact
from .models import Contact
from .tokens import read_unsubscribe_token


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, without cookies or a CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a page with a button (link scanners fetch URLs); POST unsubscribes."""
    context = {"shop_name": conf.get("TRIGGERS_SHOP_NAME"), "shop_url": conf.shop_url()}
    try:
        payload = read_unsubscribe_token(token)
        contact = Contact.objects.get(pk=payload["c"])
    except (signing.BadSignature, Contact.DoesNotExist):
        return render(request, "wagtail_triggers/unsubscribe_invalid.html", context, status=400)
    context["contact"] = contact
    if request.method == "POST":
        unsubscribe_contact(contact, delivery_id=payload.get("d"))
        return render(request, "wagtail_triggers/unsubscribe_done.html", context)
    return render(request, "wagtail_triggers/unsubscribe.html", context)
