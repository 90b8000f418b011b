"""Public endpoints reached from letters: no login, no cookies needed, no open redirects.

Every bad, tampered or expired token gets a friendly page with a 4xx status, never a 500.

The unsubscribe and preferences pages speak the language of the letter the link came from
(the delivery's language, else the contact's), not the browser's: a letter read in Russian
on an English phone leads to a Russian page.
"""

from __future__ import annotations

import base64
import logging

from django import forms
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import conf, consent
from .compose import letter_language
from .models import Contact, Delivery, Scenario, Suppression
from .tokens import PREFERENCES, UNSUBSCRIBE, read_contact_token
from .tracking import may_redirect, read_click_token, read_open_token, record_click, record_open

logger = logging.getLogger(__name__)

# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def contact_language(contact: Contact, delivery_id: int | None = None) -> str:
    """The language of the letter a link came from: the delivery's, else the one the
    contact's letters are written in (their own language when letters exist in it)."""
    if delivery_id:
        sent_in = Delivery.objects.filter(pk=delivery_id, contact=contact).values_list("language", flat=True).first()
        if sent_in and sent_in in conf.supported_languages():
            return sent_in
    return letter_language(contact)


def _page(
    request: HttpRequest, name: str, context: dict | None = None, status: int = 200, *, language: str | None = None
) -> HttpResponse:
    """Render a public page, in ``language`` when known (else the browser's, as Django chose)."""
    base = {
        "shop_name": conf.get("TRIGGERS_SHOP_NAME"),
        "shop_url": conf.shop_url(),
        "support_email": conf.get("TRIGGERS_SUPPORT_EMAIL"),
    }
    if language is None:
        return render(request, f"wagtail_triggers/{name}.html", {**base, **(context or {})}, status=status)
    with translation.override(language):
        response = render(request, f"wagtail_triggers/{name}.html", {**base, **(context or {})}, status=status)
    response["Content-Language"] = language
    return response


def _expired_link_language(purpose: str, token: str) -> str | None:
    """An expired consent link is still authentic: its page speaks the contact's language."""
    try:
        payload = signing.loads(token, salt=purpose)
        contact = Contact.objects.filter(pk=payload["c"]).first()
    except (signing.BadSignature, TypeError, KeyError, ValueError):
        return None
    return contact_language(contact, payload.get("d")) if contact is not None else None


def _invalid(request: HttpRequest, error: Exception, *, language: str | None = None) -> HttpResponse:
    expired = isinstance(error, signing.SignatureExpired)
    return _page(request, "link_invalid", {"expired": expired}, status=410 if expired else 400, language=language)


def _refused(request: HttpRequest, purpose: str, token: str, error: signing.BadSignature) -> HttpResponse:
    language = _expired_link_language(purpose, token) if isinstance(error, signing.SignatureExpired) else None
    return _invalid(request, error, language=language)


def _read(purpose: str, token: str) -> tuple[Contact, Scenario | None, int | None]:
    """(contact, scenario the link is scoped to, delivery it came from) or BadSignature."""
    payload = read_contact_token(purpose, token)
    contact = Contact.objects.filter(pk=payload["c"]).first()
    if contact is None:
        raise signing.BadSignature("unknown contact")
    scenario = Scenario.objects.filter(pk=payload["s"]).first() if payload.get("s") else None
    return contact, scenario, payload.get("d")


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, without cookies or a CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a page with a button (link scanners fetch URLs); POST unsubscribes."""
    try:
        contact, scenario, delivery_id = _read(UNSUBSCRIBE, token)
    except signing.BadSignature as error:
        return _refused(request, UNSUBSCRIBE, token, error)
    context = {"contact": contact, "scenario": scenario}
    language = contact_language(contact, delivery_id)
    if request.method == "POST":
        if scenario is not None:
            consent.unsubscribe_from_scenario(contact, scenario, delivery_id=delivery_id)
        else:
            consent.unsubscribe_contact(contact, delivery_id=delivery_id)
        return _page(request, "unsubscribe_done", context, language=language)
    return _page(request, "unsubscribe", context, language=language)


class PreferencesForm(forms.Form):
    CHOICES = {
        "scenario": _("Stop only this kind of letter"),
        "all": _("Stop all reminders and offers"),
        "pause": _("Pause all reminders and offers for 30 days"),
        "resubscribe": _("Send me reminders and offers"),
    }
    choice = forms.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args, scenario: Scenario | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(key, label) for key, label in self.CHOICES.items() if key != "scenario" or scenario]
        self.fields["choice"].choices = choices

    @staticmethod
    def current_choice(contact: Contact, scenario: Scenario | None, suppressions: list[Suppression]) -> str:
        """The choice that describes what the contact gets now, so the page opens on it."""
        everything = [item for item in suppressions if item.scenario_id is None]
        if contact.unsubscribed_at or any(item.reason != Suppression.Reason.PAUSED for item in everything):
            return "all"
        if everything:  # only pauses are left
            return "pause"
        if scenario is not None and any(item.scenario_id == scenario.pk for item in suppressions):
            return "scenario"
        return "resubscribe"


def _current(contact: Contact, scenario: Scenario | None) -> dict[str, str]:
    suppressions = list(consent.current_suppressions(contact))
    return {"choice": PreferencesForm.current_choice(contact, scenario, suppressions)}


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Unsubscribe from one scenario or all, pause for 30 days, or resubscribe."""
    try:
        contact, scenario, delivery_id = _read(PREFERENCES, token)
    except signing.BadSignature as error:
        return _refused(request, PREFERENCES, token, error)
    language = contact_language(contact, delivery_id)
    form = PreferencesForm(request.POST or None, scenario=scenario, initial=_current(contact, scenario))
    done = None
    if request.method == "POST" and form.is_valid():
        done = form.cleaned_data["choice"]
        if done == "scenario":
            consent.unsubscribe_from_scenario(contact, scenario, delivery_id=delivery_id)
        elif done == "all":
            consent.unsubscribe_contact(contact, delivery_id=delivery_id)
        elif done == "pause":
            consent.pause(contact, days=30)
        else:
            consent.resubscribe(contact)
        form = PreferencesForm(scenario=scenario, initial=_current(contact, scenario))
    suppressions = consent.current_suppressions(contact).select_related("scenario").order_by("-created_at")
    return _page(
        request,
        "preferences",
        {"contact": contact, "scenario": scenario, "form": form, "done": done, "suppressions": suppressions},
        language=language,
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record a click and redirect — only to the URL signed into the token by the letter, and
    only while its host may be linked to (see :func:`~wagtail_triggers.tracking.may_redirect`)."""
    try:
        delivery_id, url = read_click_token(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        return _invalid(request, error)
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if not may_redirect(delivery, url):
        logger.warning("Refused a click redirect to %r: the host is not in TRIGGERS_ALLOWED_LINK_HOSTS", url[:200])
        language = contact_language(delivery.contact, delivery.pk) if delivery is not None else None
        return _invalid(request, signing.BadSignature("host not allowed"), language=language)
    if delivery is not None:
        record_click(delivery, url, request.headers.get("User-Agent", ""), method=request.method)
    return HttpResponseRedirect(url)


@never_cache
@require_http_methods(["GET", "HEAD"])
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """Record an open; always answer with the pixel (a broken image helps nobody)."""
    try:
        delivery = Delivery.objects.filter(pk=read_open_token(token)).first()
    except (signing.BadSignature, ValueError):
        delivery = None
    if delivery is not None:
        record_open(delivery, request.headers.get("User-Agent", ""), method=request.method)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response
