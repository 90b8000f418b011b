"""Personal coupons: issued through a pluggable provider, valid through the printed day,
replaced by name, and recorded when an order redeems them.

``TRIGGERS_COUPON_PROVIDER`` names a callable ``provider(*, contact, percent, expires_at)``
returning the coupon code as a string. The default stores the code in
:class:`~wagtail_triggers.models.IssuedCoupon`; a shop that wants its own vouchers points
the setting at a function that creates one in the shop and returns its code.

``expires_at`` is the last moment of the last valid day in the contact's time zone
(23:59:59.999999 local), the day the letter prints. When a later letter of the same chain
gives a new code while the earlier one still works, the earlier one ends then: the default
provider stores that; a custom provider is told through its optional ``replace`` attribute,
``provider.replace(code=old, replaced_by=new, contact=contact, at=now)``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from .models import Contact, Delivery, IssuedCoupon

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: codes are read from a phone screen and typed at checkout.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# Letters whose coupon the customer may have read: sent, or interrupted after the server took it.
READ_STATUSES = (Delivery.Status.SENT, Delivery.Status.UNKNOWN)


# -- validity -------------------------------------------------------------------------------------


def contact_zone(contact: Contact | None) -> tzinfo:
    """The contact's IANA time zone, else the site's ``TIME_ZONE`` (also for an unknown name)."""
    name = getattr(contact, "time_zone", "") or ""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning("Contact %s has an unknown time zone %r; using TIME_ZONE", contact.pk, name[:64])
    return timezone.get_default_timezone()


def last_valid_day(now: datetime, valid_days: int, zone: tzinfo) -> date:
    """The date a letter sent at ``now`` prints: ``valid_days`` after today, both in ``zone``."""
    return timezone.localtime(now, zone).date() + timedelta(days=valid_days)


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """23:59:59.999999 of ``day`` on the wall clock of ``zone``."""
    return datetime.combine(day, time.max, tzinfo=zone)


def expiry(now: datetime, valid_days: int, zone: tzinfo) -> datetime:
    return end_of_day(last_valid_day(now, valid_days, zone), zone)


# -- the default provider ---------------------------------------------------------------------------


def random_code(percent: int, length: int = 8) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return f"{body[:4]}-{body[4:]}-{percent}"


def normalize_code(code: str) -> str:
    """Codes are stored upper-case; customers type them in any case."""
    return code.strip().upper()


def issue_stored_coupon(*, contact: Contact, percent: int, expires_at: datetime) -> str:
    """The default provider: a random code stored in IssuedCoupon."""
    for _attempt in range(5):
        code = random_code(percent)
        try:
            with transaction.atomic():
                IssuedCoupon.objects.create(code=code, contact=contact, percent=percent, expires_at=expires_at)
            return code
        except IntegrityError:
            continue
    raise RuntimeError("Could not find a free coupon code")


def end_stored_coupon(*, code: str, replaced_by: str, contact: Contact | None, at: datetime) -> None:
    """The default provider's ``replace``: the earlier code stops working at once."""
    new = IssuedCoupon.objects.filter(code=normalize_code(replaced_by)).first()
    IssuedCoupon.objects.filter(code=normalize_code(code), redeemed_at__isnull=True, expires_at__gt=at).update(
        expires_at=at, replaced_by=new
    )


issue_stored_coupon.replace = end_stored_coupon  # type: ignore[attr-defined]


def find_valid_coupon(code: str, *, now: datetime) -> IssuedCoupon | None:
    """For shops using the default provider: look a code up at checkout."""
    return IssuedCoupon.objects.filter(code=normalize_code(code), redeemed_at__isnull=True, expires_at__gt=now).first()


# -- issuing for a letter -------------------------------------------------------------------------


def issue_for(delivery: Delivery, *, percent: int, valid_days: int, now: datetime, provider: Any) -> str:
    """Issue the delivery's code (stored on the delivery) and end the code it replaces;
    returns that replaced code (see :func:`replaced_code`), or ""."""
    expires_at = expiry(now, valid_days, contact_zone(delivery.contact))
    delivery.coupon_code = str(provider(contact=delivery.contact, percent=percent, expires_at=expires_at))
    delivery.coupon_expires_at = expires_at
    delivery.save(update_fields=["coupon_code", "coupon_expires_at"])
    IssuedCoupon.objects.filter(code=delivery.coupon_code, delivery__isnull=True).update(delivery=delivery)
    earlier = replaced_code(delivery, now)
    replace = getattr(provider, "replace", None)
    if earlier and callable(replace):
        replace(code=earlier, replaced_by=delivery.coupon_code, contact=delivery.contact, at=now)
    return earlier


def replaced_code(delivery: Delivery, now: datetime) -> str:
    """The code of this chain's latest earlier letter if it still worked when this one was
    issued: the letter must say the new code replaces it. Stable across retries, since the
    earlier letter keeps the expiry it printed."""
    earlier = (
        Delivery.objects.filter(
            enrollment_id=delivery.enrollment_id,
            position__lt=delivery.position,
            status__in=READ_STATUSES,
            coupon_expires_at__gt=now,
        )
        .exclude(coupon_code="")
        .exclude(coupon_code=delivery.coupon_code)
        .order_by("-position")
        .values_list("coupon_code", flat=True)
        .first()
    )
    if not earlier or IssuedCoupon.objects.filter(code=earlier, redeemed_at__isnull=False).exists():
        return ""
    return earlier


# -- redemption -----------------------------------------------------------------------------------


def redeem_coupons(codes: Iterable[str], *, order_id: str, at: datetime) -> int:
    """Mark the stored coupons an order used as redeemed by it, once; returns how many.

    A code already redeemed keeps its first order (a second order with it is logged).
    """
    wanted = {normalize_code(code) for code in codes if isinstance(code, str) and code.strip()}
    if not wanted:
        return 0
    redeemed = 0
    for coupon in IssuedCoupon.objects.filter(code__in=wanted).order_by("pk"):
        done = IssuedCoupon.objects.filter(pk=coupon.pk, redeemed_at__isnull=True).update(
            redeemed_at=at, order_id=order_id
        )
        if done:
            redeemed += 1
        elif coupon.order_id != order_id:
            logger.warning(
                "Coupon %s was already redeemed by order %r; order %r used it again",
                coupon.code,
                coupon.order_id,
                order_id,
            )
    return redeemed


# -- figures --------------------------------------------------------------------------------------


def redemption_figures(since: datetime, until: datetime, key: str, **scope: Any) -> dict[Any, dict[str, Any]]:
    """Coupons issued in the period, grouped by ``key`` of their letter ("scenario_id" or
    "position"), and how many of them were redeemed (at any time since): ``coupons``,
    ``redeemed`` and ``redeemed_rate`` (of the issued; None when none were issued)."""
    rows = (
        IssuedCoupon.objects.filter(
            created_at__gte=since,
            created_at__lt=until,
            delivery__isnull=False,
            **{f"delivery__{name}": value for name, value in scope.items()},
        )
        .values(f"delivery__{key}")
        .annotate(coupons=Count("pk"), redeemed=Count("pk", filter=Q(redeemed_at__isnull=False)))
        .order_by()
    )
    return {
        row[f"delivery__{key}"]: {
            "coupons": row["coupons"],
            "redeemed": row["redeemed"],
            "redeemed_rate": row["redeemed"] / row["coupons"] if row["coupons"] else None,
        }
        for row in rows
    }


NO_COUPONS: dict[str, Any] = {"coupons": 0, "redeemed": 0, "redeemed_rate": None}
