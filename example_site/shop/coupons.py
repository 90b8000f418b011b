"""The shop's coupon provider for wagtail-triggers (``TRIGGERS_COUPON_PROVIDER``).

When a letter of a chain carries a discount, the app calls :func:`issue_coupon` and puts the
returned code in the letter. The code is a real shop :class:`~shop.models.Coupon`, so the
checkout accepts it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from .models import Coupon

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes get typed by hand


def make_code(percent: int, prefix: str = "THANKS") -> str:
    """A readable code such as ``THANKS-7KQ2-5``."""
    middle = "".join(secrets.choice(ALPHABET) for _ in range(4))
    return f"{prefix}-{middle}-{percent}"


def issue_coupon(*, contact: Any, percent: int, expires_at: datetime | None, **_extra: Any) -> str:
    """Create a personal coupon for ``contact`` (it has ``.email`` and ``.first_name``)."""
    for _attempt in range(20):
        code = make_code(percent)
        try:
            with transaction.atomic():
                Coupon.objects.create(code=code, percent=percent, email=contact.email, expires_at=expires_at)
        except IntegrityError:  # the code exists already: draw another
            continue
        return code
    raise RuntimeError("Could not find a free coupon code")
