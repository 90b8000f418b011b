"""The app's three endpoints: manifest, register (Saleor hands over the app token), webhooks.

A webhook is answered within milliseconds: check the size and headers, find the install,
verify the signature on the raw bytes, parse, map, one INSERT per event (``record_event``).
Enrolment, rendering and sending happen later in the queue. Every refusal is a 4xx with a
JSON ``{"error": ...}`` — Saleor retries only 5xx and timeouts, so a 4xx is final — and
nothing is stored before the signature is verified.

Status codes: 400 malformed request or body, wrong ``Saleor-Event`` for the endpoint;
401 bad or missing signature; 403 unknown or not allowed ``Saleor-Api-Url``; 405 not POST;
413 body over ``TRIGGERS_SALEOR_MAX_BODY_SIZE``; 422 the data is Saleor's but our validation
refused it (e.g. a price without currency) — logged, and visible as a failed delivery in
Saleor's dashboard. A payload with nothing to mail (a checkout without an email, an order
update that is not a cancellation) is accepted with 200 ``{"status": "ignored"}``.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from wagtail_triggers.events import InvalidEvent, record_event
from wagtail_triggers.models import Event

from . import conf, mapping, remote
from .manifest import build_manifest
from .models import SaleorInstall
from .verification import VerificationFailed, verify

logger = logging.getLogger(__name__)


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    if status == 405:
        response["Allow"] = "POST"
    return response


def _header(request: HttpRequest, name: str) -> str:
    """A Saleor header, falling back to the deprecated ``X-Saleor-*`` spelling."""
    return (request.headers.get(name) or request.headers.get(f"X-{name}") or "").strip()


def _read_body(request: HttpRequest) -> bytes | JsonResponse:
    limit = conf.get("TRIGGERS_SALEOR_MAX_BODY_SIZE")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "invalid Content-Length")
    if declared > limit:
        return _error(413, f"body larger than {limit} bytes")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, f"body larger than {limit} bytes")
    if len(body) > limit:
        return _error(413, f"body larger than {limit} bytes")
    if not body:
        return _error(400, "empty body")
    return body


@never_cache
def manifest(request: HttpRequest) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        response = _error(405, "GET only")
        response["Allow"] = "GET"
        return response
    return JsonResponse(build_manifest(request))


@csrf_exempt
@never_cache
def register(request: HttpRequest) -> JsonResponse:
    """Saleor POSTs ``{"auth_token": ...}`` with ``Saleor-Api-Url`` after creating the app."""
    if request.method != "POST":
        return _error(405, "POST only")
    body = _read_body(request)
    if isinstance(body, JsonResponse):
        return body
    if not _header(request, "Saleor-Api-Url"):
        return _error(400, "missing Saleor-Api-Url header")
    api_url = conf.normalize_api_url(_header(request, "Saleor-Api-Url"))
    try:
        token = json.loads(body).get("auth_token")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return _error(400, 'the body must be JSON: {"auth_token": ...}')
    if not isinstance(token, str) or not token:
        return _error(400, "missing auth_token")
    if not conf.is_allowed(api_url):
        logger.warning("Refused to install into %s: not in TRIGGERS_SALEOR_ALLOWED_API_URLS", api_url)
        return _error(403, f"{api_url} may not install this app: add it to TRIGGERS_SALEOR_ALLOWED_API_URLS")
    try:
        app_id = remote.fetch_app_id(api_url, token)
    except remote.RemoteError as exc:
        logger.warning("Install into %s refused: %s", api_url, exc)
        return _error(401, "the token could not be used to fetch the app id from Saleor")
    try:
        jwks = remote.fetch_jwks(api_url)
    except remote.RemoteError as exc:
        logger.warning("Install into %s failed: %s", api_url, exc)
        return _error(502, "could not fetch Saleor's public keys (JWKS)")
    _install, created = SaleorInstall.objects.update_or_create(
        api_url=api_url,
        defaults={
            "domain": _header(request, "Saleor-Domain")[:255],
            "app_id": app_id,
            "token": token,
            "jwks": jwks,
            "jwks_fetched_at": timezone.now(),
            "is_active": True,
        },
    )
    logger.info("%s install for %s (app %s)", "New" if created else "Updated", api_url, app_id)
    return JsonResponse({"success": True})


@csrf_exempt
@never_cache
def webhook(request: HttpRequest, event: str) -> JsonResponse:
    name = event.replace("-", "_").lower()
    if name not in mapping.PLANNERS:
        return _error(404, f"no webhook {event!r} here")
    if request.method != "POST":
        return _error(405, "POST only")
    body = _read_body(request)
    if isinstance(body, JsonResponse):
        return body
    raw_api_url = _header(request, "Saleor-Api-Url")
    if not raw_api_url:
        return _error(400, "missing Saleor-Api-Url header")
    sent = _header(request, "Saleor-Event").lower()
    if sent != name:
        return _error(400, f"this endpoint takes {name} webhooks, not {sent or 'a request without Saleor-Event'}")
    api_url = conf.normalize_api_url(raw_api_url)
    install = SaleorInstall.objects.filter(api_url=api_url, is_active=True).first()
    if install is None or not conf.is_allowed(api_url):
        return _error(403, f"the app is not installed for {api_url}")
    try:
        verify(install, _header(request, "Saleor-Signature"), body)
    except VerificationFailed as exc:
        logger.warning("Refused a %s webhook from %s: %s", name, api_url, exc)
        return _error(401, f"signature verification failed: {exc}")
    try:
        payload = json.loads(body, parse_float=Decimal)  # money stays exact
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the body is not JSON")
    try:
        plan = mapping.plan(install, name, payload, body)
    except mapping.MalformedPayload as exc:
        return _error(400, f"unexpected payload: {exc}")
    if not plan.events:
        return JsonResponse({"status": "ignored", "reason": plan.ignored})
    return _record(name, api_url, plan)


def _record(name: str, api_url: str, plan: mapping.Plan) -> JsonResponse:
    known = set(Event.objects.filter(key__in=[p.key for p in plan.events]).values_list("key", flat=True))
    events = []
    try:
        with transaction.atomic():
            for planned in plan.events:
                if planned.key in known:
                    continue  # a retry, or the other half of a pair Saleor sends for one change
                events.append(record_event(planned.kind, **planned.kwargs()))
    except InvalidEvent as exc:
        logger.warning("A %s webhook from %s was refused: %s", name, api_url, "; ".join(exc.errors))
        return _error(422, "the payload does not make a valid event", errors=exc.errors)
    except ArithmeticError as exc:  # decimal trouble in validation: a bad payload, never worth a retry
        logger.warning("A %s webhook from %s was refused: %r", name, api_url, exc)
        return _error(422, "the payload does not make a valid event", errors=["an amount is out of range"])
    return JsonResponse(
        {
            "status": "recorded" if events else "duplicate",
            "events": [{"id": e.pk, "kind": e.kind} for e in events],
            "duplicates": len(known),
        }
    )
