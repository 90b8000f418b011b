"""One-click answers: a letter asks "why did you stop coming?" and each answer is a link.

Each link carries the delivery and the answer key in a signed token (like click links in
:mod:`~wagtail_triggers.tracking`), so it cannot be guessed or pointed at another letter. A
person's GET records the answer — one per letter; a later click on another answer replaces it,
because the latest choice is what the customer means — and shows a thank-you page in the
letter's language. Mail-security scanners prefetch links: a GET that
:func:`~wagtail_triggers.tracking.is_machine` recognises, and every HEAD, records nothing; a
machine's GET gets a page with a button instead, so a person mistaken for one can still answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import conf
from .links import read_answer_token
from .models import Answer, Delivery
from .privacy import PLACEHOLDER_EMAIL
from .tracking import is_machine

Key = Answer.Key


def record_answer(delivery: Delivery, key: str, now: datetime | None = None) -> Answer:
    """Store a person's answer to ``delivery``: the first one, or a change of mind."""
    now = now or timezone.now()
    fields = {"key": key, "answered_at": now}
    try:
        with transaction.atomic():
            answer, created = Answer.objects.get_or_create(
                delivery=delivery,
                defaults={
                    **fields,
                    "contact_id": delivery.contact_id,
                    "scenario_id": delivery.scenario_id,
                    "first_answered_at": now,
                },
            )
    except IntegrityError:  # two clicks at once: the other one created it
        answer, created = Answer.objects.get(delivery=delivery), False
    if not created and answer.key != key:
        Answer.objects.filter(pk=answer.pk).update(**fields)
        answer.key, answer.answered_at = key, now
    return answer


def _forgotten(delivery: Delivery) -> bool:
    """The letter went to a person since forgotten: their letters now belong to the anonymous
    placeholder, and nothing new is recorded about them."""
    return delivery.contact.email == PLACEHOLDER_EMAIL


def _page(request: HttpRequest, name: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {"shop_name": conf.get("TRIGGERS_SHOP_NAME"), "shop_url": conf.shop_url()}
    return render(request, f"wagtail_triggers/{name}.html", {**base, **context}, status=status)


@csrf_exempt  # no session on this page: the signed token is the only authority, a CSRF token adds none
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """Record the answer signed into ``token`` (a person's GET or the page's button) and thank."""
    try:
        delivery_id, key = read_answer_token(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        expired = isinstance(error, signing.SignatureExpired)
        return _page(request, "link_invalid", {"expired": expired}, status=410 if expired else 400)
    delivery = Delivery.objects.filter(pk=delivery_id).select_related("contact").first()
    if delivery is None:  # the letter's data was deleted
        return _page(request, "link_invalid", {"expired": False}, status=400)
    language = delivery.language or conf.default_language()
    with translation.override(language):
        label = Key(key).label
        context = {
            "answer": str(label),
            "key": key,
            "support_email": conf.get("TRIGGERS_SUPPORT_EMAIL"),
            "LANGUAGE_CODE": language,  # the page speaks the letter's language, not the browser's
        }
        if request.method != "HEAD":
            machine = request.method == "GET" and is_machine(
                delivery, request.headers.get("User-Agent", ""), timezone.now()
            )
            if machine:
                return _page(request, "answer_thanks", {**context, "confirm": True})
            if not _forgotten(delivery):
                record_answer(delivery, key)
        return _page(request, "answer_thanks", context)
