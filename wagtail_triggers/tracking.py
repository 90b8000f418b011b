"""Opens, clicks and conversions: signed links in letters and what their use records.

Click links carry the destination inside an HMAC-signed token, so the redirect can only
lead to a URL that was in that letter — never an open redirect. Machines (mail-security
scanners, link pre-fetchers) are recorded but not counted as people where they can be told
apart: known user agents, HEAD requests, and clicks within seconds of sending.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from . import conf
from .links import absolute, host_of, is_allowed_host
from .models import Conversion, Delivery, Enrollment, TrackingEvent

CLICK_SALT = "wagtail_triggers.click"
OPEN_SALT = "wagtail_triggers.open"
Kind = TrackingEvent.Kind

# Security gateways and pre-fetchers that open or follow links without a person.
MACHINE_AGENTS = re.compile(
    r"bot|crawl|spider|preview|scan|proofpoint|mimecast|barracuda|fireeye|forcepoint|"
    r"symantec|trendmicro|sophos|cisco|ironport|safelinks|python-|curl|wget|go-http|java/|okhttp|headless",
    re.I,
)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def click_token(delivery_id: int, url: str) -> str:
    return signing.TimestampSigner(salt=CLICK_SALT).sign(f"{delivery_id}.{_b64(url)}")


def read_click_token(token: str) -> tuple[int, str]:
    """(delivery id, destination) or BadSignature / SignatureExpired."""
    value = signing.TimestampSigner(salt=CLICK_SALT).unsign(token, max_age=conf.get("TRIGGERS_LINK_MAX_AGE"))
    delivery_id, _dot, encoded = value.partition(".")
    url = _unb64(encoded)
    if not url.startswith(("http://", "https://")):
        raise signing.BadSignature("not a web URL")
    return int(delivery_id), url


def _urls_in(value: Any, depth: int = 0) -> Iterator[str]:
    """Every absolute web URL anywhere in stored event data."""
    if depth > 20:
        return
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _urls_in(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _urls_in(item, depth + 1)


def may_redirect(delivery: Delivery | None, url: str) -> bool:
    """May the click link of ``delivery`` redirect to ``url`` now?

    Checked at click time, behind intake (which drops event URLs off the allow-list), because
    settings change and old events were stored before: a host on the link allow-list always
    may; a host that came in the letter's event data (the enrollment's snapshot) and is not on
    the list never may; any other host was written into the letter by an editor and may. Without
    a delivery there is nothing to vouch for the link, so only allowed hosts pass.
    """
    host = host_of(url)
    if is_allowed_host(host):
        return True
    if delivery is None:
        return False
    snapshot = Enrollment.objects.filter(pk=delivery.enrollment_id).values_list("snapshot", flat=True).first()
    return host not in {host_of(found) for found in _urls_in(snapshot or {})}


def open_token(delivery_id: int) -> str:
    return signing.TimestampSigner(salt=OPEN_SALT).sign(str(delivery_id))


def read_open_token(token: str) -> int:
    return int(signing.TimestampSigner(salt=OPEN_SALT).unsign(token, max_age=conf.get("TRIGGERS_LINK_MAX_AGE")))


def click_url(delivery_id: int, url: str) -> str:
    return absolute(reverse("wagtail_triggers:click", kwargs={"token": click_token(delivery_id, url)}))


def open_pixel_url(delivery_id: int) -> str:
    return absolute(reverse("wagtail_triggers:open", kwargs={"token": open_token(delivery_id)}))


def is_machine(delivery: Delivery, user_agent: str, now: datetime, *, method: str = "GET") -> bool:
    if method != "GET" or not user_agent or MACHINE_AGENTS.search(user_agent):
        return True
    quick = timedelta(seconds=conf.get("TRIGGERS_BOT_CLICK_SECONDS"))
    return bool(delivery.sent_at and now - delivery.sent_at < quick)


def _record(
    delivery: Delivery, kind: str, now: datetime, *, url: str = "", user_agent: str = "", machine: bool
) -> None:
    TrackingEvent.objects.create(
        delivery=delivery, kind=kind, occurred_at=now, url=url[:2000], user_agent=user_agent[:255], is_bot=machine
    )


def record_open(delivery: Delivery, user_agent: str, now: datetime | None = None, *, method: str = "GET") -> bool:
    """Returns whether it counted as a person's open."""
    now = now or timezone.now()
    machine = is_machine(delivery, user_agent, now, method=method) and not _IMAGE_PROXIES.search(user_agent or "")
    _record(delivery, Kind.OPEN, now, user_agent=user_agent, machine=machine)
    if not machine:
        Delivery.objects.filter(pk=delivery.pk).update(open_count=F("open_count") + 1)
        Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(opened_at=now)
    return not machine


# Gmail, Yahoo and Apple fetch images through proxies on the reader's behalf: those are opens.
_IMAGE_PROXIES = re.compile(r"GoogleImageProxy|YahooMailProxy|via ggpht\.com", re.I)


def record_click(
    delivery: Delivery, url: str, user_agent: str, now: datetime | None = None, *, method: str = "GET"
) -> bool:
    """Returns whether it counted as a person's click. A click implies an open."""
    now = now or timezone.now()
    machine = is_machine(delivery, user_agent, now, method=method)
    _record(delivery, Kind.CLICK, now, url=url, user_agent=user_agent, machine=machine)
    if not machine:
        Delivery.objects.filter(pk=delivery.pk).update(click_count=F("click_count") + 1)
        Delivery.objects.filter(pk=delivery.pk, clicked_at__isnull=True).update(clicked_at=now)
        Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(opened_at=now)
    return not machine


def attribute_order(*, contact, order_id: str, total: str, currency: str, occurred_at: datetime) -> Conversion | None:
    """Credit an order to the latest letter clicked (or delivered) within the attribution window."""
    window = conf.get("TRIGGERS_ATTRIBUTION_WINDOW")
    basis = conf.get("TRIGGERS_ATTRIBUTION")  # "click" or "delivery"
    field = "clicked_at" if basis == "click" else "sent_at"
    delivery = (
        Delivery.objects.filter(
            contact=contact,
            status=Delivery.Status.SENT,
            **{f"{field}__gte": occurred_at - window, f"{field}__lte": occurred_at},
        )
        .order_by(f"-{field}")
        .first()
    )
    if delivery is None:
        return None
    try:
        with transaction.atomic():
            return Conversion.objects.create(
                delivery=delivery,
                scenario_id=delivery.scenario_id,
                contact=contact,
                order_id=order_id,
                revenue=Decimal(total or "0"),
                currency=currency,
                occurred_at=occurred_at,
                attributed_by=basis,
            )
    except IntegrityError:
        return None  # this order was already attributed
