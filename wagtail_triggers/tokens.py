"""Signed, unguessable tokens for the links in letters (built on ``django.core.signing``)."""

from __future__ import annotations

from typing import Any

from django.core import signing

UNSUBSCRIBE_SALT = "wagtail_triggers.unsubscribe"


def make_unsubscribe_token(contact_id: int, delivery_id: int | None = None, scenario_id: int | None = None) -> str:
    payload: dict[str, Any] = {"c": contact_id}
    if delivery_id:
        payload["d"] = delivery_id
    if scenario_id:
        payload["s"] = scenario_id
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict[str, Any]:
    """The payload, or :class:`django.core.signing.BadSignature` for a tampered token.

    Unsubscribe links never expire: a letter read months later must still work.
    """
    payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        raise signing.BadSignature("malformed payload")
    return payload
