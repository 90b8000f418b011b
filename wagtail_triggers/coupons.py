"""Personal coupons, issued through a pluggable provider.

``TRIGGERS_COUPON_PROVIDER`` names a callable ``provider(*, contact, percent, expires_at)``
returning the coupon code as a string. The default stores the code in
:class:`~wagtail_triggers.models.IssuedCoupon`; a shop that wants its own vouchers points
the setting at a function that creates one in the shop and returns its code.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Protocol

from django.db import IntegrityError, transaction

from .models import Contact, IssuedCoupon

# No 0/O, 1/I/L: codes are read from a phone screen and typed at checkout.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class CouponProvider(Protocol):
    def __call__(self, *, contact: Contact, percent: int, expires_at: datetime) -> str: ...


def random_code(percent: int, length: int = 8) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return f"{body[:4]}-{body[4:]}-{percent}"


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


def find_valid_coupon(code: str, *, now: datetime) -> IssuedCoupon | None:
    """For shops using the default provider: look a code up at checkout."""
    return IssuedCoupon.objects.filter(code=code.strip().upper(), redeemed_at__isnull=True, expires_at__gt=now).first()
