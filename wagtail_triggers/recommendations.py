"""Recommended products for a letter: from the order's event data, else from the shop's code.

A shop supplies them in one of two ways (see ``docs/events.md``):

* ``recommendations`` in the order data — chosen when the order happened, stored with it;
* ``TRIGGERS_RECOMMENDATIONS``, the dotted path of a callable asked when a letter is composed:
  ``recommend(contact=Contact, order=dict | None, limit=int) -> list[dict]``.

The callable is the shop's code running inside the send loop, so whatever it does wrong — raise,
return nonsense, return too much — is logged and the letter goes out without recommendations.
"""

from __future__ import annotations

import logging
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from . import conf
from .payloads import MAX_RECOMMENDATIONS, InvalidPayload, normalize_recommendations

if TYPE_CHECKING:  # pragma: no cover
    from .models import Contact

logger = logging.getLogger(__name__)


def recommender() -> Any:
    """The configured callable, or None."""
    setting = conf.get("TRIGGERS_RECOMMENDATIONS")
    return import_string(setting) if isinstance(setting, str) else setting


def from_recommender(contact: Contact, order: dict[str, Any] | None, limit: int = MAX_RECOMMENDATIONS) -> list:
    """What ``TRIGGERS_RECOMMENDATIONS`` suggests, validated like event data; [] on any failure."""
    try:
        recommend = recommender()
        if recommend is None:
            return []
        products = recommend(contact=contact, order=order, limit=limit)
        return normalize_recommendations(list(islice(products or [], limit)))
    except InvalidPayload as exc:
        logger.error("TRIGGERS_RECOMMENDATIONS returned products that are not valid: %s", exc)
    except Exception:
        logger.exception("TRIGGERS_RECOMMENDATIONS failed; the letter goes out without recommendations")
    return []


def for_letter(contact: Contact, snapshot: dict[str, Any], body: str) -> list[dict[str, Any]]:
    """The products a letter shows: the order's own, else the recommender's.

    The recommender is asked only for letters that print ``recommendations`` (``body`` is the
    letter's MJML), so the other letters never run the shop's code.
    """
    order = snapshot.get("order")
    supplied = (order or {}).get("recommendations")
    if supplied:
        return supplied[:MAX_RECOMMENDATIONS]
    if "recommendations" not in body:
        return []
    return from_recommender(contact, order)
