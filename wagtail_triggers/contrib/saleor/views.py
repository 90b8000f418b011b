"""The app's three endpoints: manifest, register (Saleor hands over the app token), webhooks.

A webhook is answered within milliseconds: check the size and headers, find the install,
verify the signature on the raw bytes, parse, map, one INSERT per event (``record_event``).
Enrolment, rendering and sending happen later in the queue. Every refusal is a 4xx with a
JSON ``{"error": ...}`` — Saleor retries only 5xx and timeouts, so a 4xx is final — and
nothing is stored before the signature is verified.

Status codes: 400 malformed request or body (also JSON nested too deeply to parse), wrong
``Saleor-Event`` for the endpoint; 401 bad or missing signature; 403 unknown or not allowed
``Saleor-Api-Url``; 405 not POST; 413 body over ``TRIGGERS_SALEOR_MAX_BODY_SIZE``; 422 the
data is Saleor's but our validation refused it (e.g. a price without currency) — logged, and
visible as a failed delivery in Saleor's dashboard; 503 with ``Retry-After`` when the body is
signed with a key id we cannot check yet (a key rotated inside the JWKS refetch interval), so
Saleor retries instead of losing the delivery. A payload with nothing to mail (a checkout
without an email, an order update that is not a cancellation) is accepted with 200
``{"status": "ignored"}``.

The register endpoint answers errors in the shape Saleor reads and shows when an install fails
(``saleor/app/installation_utils.py`` reads ``error.message``), with the codes of Saleor's app
SDK: ``{"success": false, "error": {"code": "SALEOR_URL_PROHIBITED", "message": ...}}``.
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
from .verification import KeyNotYetKnown, VerificationFailed, verify

logger = logging.getLogger(__name__)


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    if status == 405:
        response["Allow"] = "POST"
    return response


def _header(request: HttpRequest, name: str) -> str:
    """A Saleor header, falling back to the deprecated ``X-Saleor-*`` spelling."""
    return (request.headers.get(name) or request.headers.get(f"X-{name}") or "").strip()


class _Refused(Exception):
    """A request refused before it is understood: status, error code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _register_error(status: int, code: str, message: str) -> JsonResponse:
    """An install refused, in the shape Saleor shows to the person installing the app."""
    response = JsonResponse({"success": False, "error": {"code": code, "message": message}}, status=status)
    if status == 405:
        response["Allow"] = "POST"
    return response


def _read_body(request: HttpRequest) -> bytes:
    limit = conf.get("TRIGGERS_SALEOR_MAX_BODY_SIZE")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _Refused(400, "INVALID_REQUEST", "invalid Content-Length") from None
    if declared > limit:
        raise _Refused(413, "BODY_TOO_LARGE", f"body larger than {limit} bytes")
    try:
        body = request.body
    except RequestDataTooBig:
        raise _Refused(413, "BODY_TOO_LARGE", f"body larger than {limit} bytes") from None
    if len(body) > limit:
        raise _Refused(413, "BODY_TOO_LARGE", f"body larger than {limit} bytes")
    if not body:
        raise _Refused(400, "INVALID_REQUEST", "empty body")
    return body


def _parse_json(body: bytes, **options: Any) -> Any:
    """The body as JSON; a body nested too deeply for the parser is malformed, not a crash."""
    try:
        return json.loads(body, **options)
    except RecursionError:
        raise _Refused(400, "INVALID_REQUEST", "the body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise _Refused(400, "INVALID_REQUEST", "the body is not JSON") from None


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
        return _register_error(405, "METHOD_NOT_ALLOWED", "POST only")
    try:
        body = _read_body(request)
        if not _header(request, "Saleor-Api-Url"):
            raise _Refused(400, "MISSING_SALEOR_API_URL", "missing Saleor-Api-Url header")
        data = _parse_json(body)
    except _Refused as refused:
        return _register_error(refused.status, refused.code, refused.message)
    api_url = conf.normalize_api_url(_header(request, "Saleor-Api-Url"))
    token = data.get("auth_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token or len(token) > 255 or "\x00" in token:
        return _register_error(400, "MISSING_AUTH_TOKEN", 'the body must be JSON: {"auth_token": ...}')
    if not conf.is_allowed(api_url):
        logger.warning("Refused to install into %s: not in TRIGGERS_SALEOR_ALLOWED_API_URLS", api_url)
        return _register_error(
            403,
            "SALEOR_URL_PROHIBITED",
            f"{api_url} may not install this app: add it to TRIGGERS_SALEOR_ALLOWED_API_URLS",
        )
    try:
        app_id = remote.fetch_app_id(api_url, token)
    except remote.RemoteError as exc:
        logger.warning("Install into %s refused: %s", api_url, exc)
        return _register_error(401, "UNKNOWN_APP_ID", "the token could not be used to fetch the app id from Saleor")
    try:
        jwks = remote.fetch_jwks(api_url)
    except remote.RemoteError as exc:
        logger.warning("Install into %s failed: %s", api_url, exc)
        return _register_error(401, "JWKS_NOT_AVAILABLE", "could not fetch Saleor's public keys (JWKS)")
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
    try:
        body = _read_body(request)
    except _Refused as refused:
        return _error(refused.status, refused.message)
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
    except KeyNotYetKnown as exc:
        logger.warning("Deferred a %s webhook from %s: %s", name, api_url, exc)
        response = _error(503, f"signature cannot be checked yet: {exc}")
        response["Retry-After"] = str(exc.retry_after)
        return response
    except VerificationFailed as exc:
        logger.warning("Refused a %s webhook from %s: %s", name, api_url, exc)
        return _error(401, f"signature verification failed: {exc}")
    try:
        payload = _parse_json(body, parse_float=Decimal)  # money stays exact
    except _Refused as refused:
        return _error(refused.status, refused.message)
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
    stored = [event for event in events if event.pk is not None]  # a forgotten person's are not
    return JsonResponse(
        {
            "status": "recorded" if stored else "ignored" if events else "duplicate",
            "events": [{"id": e.pk, "kind": e.kind} for e in stored],
            "ignored": len(events) - len(stored),
            "duplicates": len(known),
        }
    )
