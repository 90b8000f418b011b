"""Signed, unguessable tokens for the consent links in letters (``django.core.signing``).

A token names a contact and, optionally, the delivery and scenario it came from. Each
purpose has its own salt, so an unsubscribe token cannot be used as a preferences token.
"""

from __future__ import annotations

from typing import Any

from django.core import signing

from . import conf

UNSUBSCRIBE = "wagtail_triggers.unsubscribe"
PREFERENCES = "wagtail_triggers.preferences"


def make_contact_token(
    purpose: str, contact_id: int, delivery_id: int | None = None, scenario_id: int | None = None
) -> str:
    payload: dict[str, Any] = {"c": contact_id}
    if delivery_id:
        payload["d"] = delivery_id
    if scenario_id:
        payload["s"] = scenario_id
    return signing.dumps(payload, salt=purpose, compress=True)


def read_contact_token(purpose: str, token: str) -> dict[str, Any]:
    """The payload, or BadSignature (tampered) / SignatureExpired (older than the max age).

    Consent links live long (``TRIGGERS_UNSUBSCRIBE_MAX_AGE``, three years by default): a
    letter read months later must still let its reader stop the letters.
    """
    payload = signing.loads(token, salt=purpose, max_age=conf.get("TRIGGERS_UNSUBSCRIBE_MAX_AGE"))
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        raise signing.BadSignature("malformed payload")
    return payload
