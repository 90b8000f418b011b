"""The template context of a letter: a documented, fixed set of plain values.

Letters never see ORM objects or settings (see ``docs/template-context.md``); everything
they may print is copied into dicts of strings, numbers, decimals and datetimes here.
:func:`build_context` assembles it; a letter's context comes from one of three sources:

- :func:`delivery_context` — a real delivery, with its contact, chain and signed links;
- :func:`sample_context` — sample data, for previews and the check when a letter is saved;
- :func:`chosen_contact_context` — a real contact's name and cart or order, for a preview
  "as" that contact and for test letters (the admin finds the data, see ``admin/previewing``).

Only a delivery's links act on anyone: the other two get sample links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.templatetags.tz import do_timezone
from django.utils import timezone

from . import conf
from .links import answer_links, preferences_url, sample_unsubscribe_url, unsubscribe_url
from .samples import sample_commerce
from .shipped import kind_name_of, letter_kind

if TYPE_CHECKING:  # pragma: no cover
    from .models import Contact, Delivery
    from .scenarios.base import ScenarioKind


def shop_context() -> dict[str, str]:
    return {
        "name": conf.get("TRIGGERS_SHOP_NAME"),
        "url": conf.shop_url(),
        "logo_url": conf.get("TRIGGERS_SHOP_LOGO_URL"),
        "support_email": conf.get("TRIGGERS_SUPPORT_EMAIL"),
        "address": conf.get("TRIGGERS_SHOP_ADDRESS"),
        "brand_color": conf.get("TRIGGERS_BRAND_COLOR"),
    }


def contact_context(*, email: str, first_name: str = "", last_name: str = "", language: str = "") -> dict[str, str]:
    full = f"{first_name} {last_name}".strip()
    return {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "name": full or first_name,
        "language": language,
    }


def commerce_context(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A validated cart or order (see :mod:`payloads`) with decimals and line totals.

    An order's ``recommendations`` are not part of it here: letters get them as the top-level
    ``recommendations`` (see :func:`products_context`), wherever they came from.
    """
    if not data:
        return None
    # Contact details live in `contact`, recommended products in `recommendations`.
    data = {key: value for key, value in data.items() if key not in ("customer", "recommendations")}
    lines = []
    for line in data.get("lines", []):
        unit = Decimal(line["unit_price"])
        lines.append({**line, "unit_price": unit, "line_total": unit * line["quantity"]})
    return {
        **data,
        "lines": lines,
        "total": Decimal(data.get("total") or "0"),
        "item_count": sum(line["quantity"] for line in lines),
    }


def products_context(products: list[dict[str, Any]] | None, currency: str = "") -> list[dict[str, Any]]:
    """Recommended products as letters print them: a decimal price (or None), and a currency
    (the product's own, else the order's)."""
    return [
        {
            **product,
            "unit_price": Decimal(product["unit_price"]) if product.get("unit_price") else None,
            "currency": product.get("currency") or currency,
        }
        for product in products or []
    ]


def coupon_context(
    code: str, percent: int, expires_at: datetime, *, zone: tzinfo | None = None, replaces: str = ""
) -> dict[str, Any]:
    """A coupon as letters see it, its dates in the contact's time zone (``zone``).

    ``expires_at`` is shown on the contact's clock whatever time zone is active while the
    letter renders (Django's ``|timezone`` filter value), and ``expires_on`` is the last valid
    day as a date; ``replaces`` is the earlier code of the chain this one ends, or "".
    """
    local = do_timezone(expires_at, zone or timezone.get_default_timezone())
    return {
        "code": code,
        "percent": percent,
        "expires_at": local,
        "expires_on": local.date(),
        "replaces": replaces,
    }


def absence_context(last_activity_at: datetime | None, now: datetime) -> dict[str, Any] | None:
    """How long the customer has been away when the letter goes out (inactivity chains only).

    ``days`` are whole days since the last activity; ``months`` are whole 30-day months, for
    copy such as "about three months".
    """
    if last_activity_at is None:
        return None
    days = max((now - last_activity_at).days, 0)
    return {"days": days, "months": days // 30, "since": last_activity_at}


def build_context(
    *,
    contact: dict[str, str],
    scenario: dict[str, Any],
    position: int,
    steps: int,
    snapshot: dict[str, Any],
    coupon: dict[str, Any] | None,
    links: dict[str, str],
    is_test: bool = False,
    delivery_id: int | None = None,
    track_opens: bool = False,
    track_clicks: bool = False,
    absence: dict[str, Any] | None = None,
    recommendations: list[dict[str, Any]] | None = None,
    hold_days: int | None = None,
) -> dict[str, Any]:
    """The whole context. ``recommendations``: products for the letter (None: the order's own);
    ``hold_days``: how long the shop holds a cart's or order's products (None: it does not)."""
    cart = commerce_context(snapshot.get("cart"))
    order = commerce_context(snapshot.get("order"))
    shop = shop_context()
    all_links: dict[str, Any] = {"shop": shop["url"], **links}
    purchase = cart or order
    if cart and cart.get("url"):
        all_links.setdefault("cart", cart["url"])
    if order and order.get("url"):
        all_links.setdefault("order", order["url"])
    # Products back into a cart: the order's reorder URL, else the shop — never the order's own
    # page, which has nothing to buy once the order is cancelled.
    all_links.setdefault("reorder", (order or {}).get("reorder_url") or shop["url"])
    if order and not cart:
        all_links.setdefault("cart", all_links["reorder"])
    fallback = (purchase or {}).get("url") or shop["url"]
    all_links.setdefault("cart", fallback)
    all_links.setdefault("order", fallback)
    all_links.setdefault("review", all_links["order"])
    if recommendations is None:
        recommendations = (snapshot.get("order") or {}).get("recommendations")
    all_links.setdefault("answers", answer_links(delivery_id, contact.get("language", "")))
    return {
        "contact": contact,
        "shop": shop,
        "cart": cart,
        "order": order,
        "purchase": purchase,
        "coupon": coupon,
        "links": all_links,
        "recommendations": products_context(recommendations, (purchase or {}).get("currency", "")),
        "absence": absence,
        "letter": {
            "scenario": scenario.get("kind", ""),
            "scenario_name": scenario.get("name", ""),
            "step": position,
            "steps": steps,
            "is_test": is_test,
            "delivery_id": delivery_id,
            "track_opens": track_opens,
            "track_clicks": track_clicks,
            "hold_days": hold_days,
        },
    }


# -- the sources -----------------------------------------------------------------------------


def delivery_context(
    delivery: Delivery,
    *,
    language: str,
    coupon: dict[str, Any] | None,
    recommendations: list[dict[str, Any]] | None,
    now: datetime,
    steps: int | None = None,
) -> dict[str, Any]:
    """The context of a real delivery: the contact's own data and links that act on them.

    ``coupon`` and ``recommendations`` are issued and chosen by the caller (see
    :mod:`~wagtail_triggers.compose`): issuing a coupon writes, and building a context does not.
    ``steps``: the chain's number of enabled steps when the caller knows it (a batch counts
    them once per scenario); else counted here.
    """
    contact, enrollment, scenario = delivery.contact, delivery.enrollment, delivery.scenario
    unsubscribe = unsubscribe_url(contact.pk, delivery.pk, scenario.pk if scenario.is_transactional else None)
    return build_context(
        contact=contact_context(
            email=contact.email, first_name=contact.first_name, last_name=contact.last_name, language=language
        ),
        scenario={"kind": scenario.kind, "name": scenario.name},
        position=delivery.position,
        steps=scenario.steps.filter(enabled=True).count() if steps is None else steps,
        snapshot=enrollment.snapshot,
        coupon=coupon,
        links={"unsubscribe": unsubscribe, "preferences": preferences_url(contact.pk, delivery.pk, scenario.pk)},
        delivery_id=delivery.pk,
        track_opens=scenario.track_opens,
        track_clicks=scenario.track_clicks,
        absence=absence_context(enrollment.anchor_at, now),
        recommendations=recommendations,
        hold_days=scenario.option("hold_days"),
    )


#: The coupon code previews show.
SAMPLE_COUPON_CODE = "HELLO-5K2Q"
#: The code letters "as" a real contact show: a test letter reaches a real inbox, so its code
#: says it is a sample.
CHOSEN_CONTACT_COUPON_CODE = "SAMPLE-5K2Q"


@dataclass(frozen=True)
class _Place:
    """Where a letter sits: its kind (None when the kind is gone) and its step in the kind's chain."""

    kind: ScenarioKind | None
    scenario: dict[str, str]
    position: int
    steps: int

    @property
    def subject_type(self) -> str | None:
        return self.kind.subject_type if self.kind else None


def _place_of(key: str) -> _Place:
    kind = letter_kind(key)
    if kind is None:
        name = kind_name_of(key)
        return _Place(None, {"kind": name, "name": name}, 1, 1)
    steps = [spec.key for spec in kind.default_steps]
    position = steps.index(key) + 1 if key in steps else 1
    return _Place(kind, {"kind": kind.kind, "name": str(kind.name)}, position, len(steps))


def _unsent_context(
    place: _Place,
    contact: dict[str, str],
    purchase: dict[str, Any] | None,
    *,
    coupon_code: str,
    is_test: bool,
    absence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A letter no delivery sends: sample links and a sample coupon, so it acts on nobody;
    ``purchase`` is the cart or order of the letter's kind."""
    sample_link = sample_unsubscribe_url()
    return build_context(
        contact=contact,
        scenario=place.scenario,
        position=place.position,
        steps=place.steps,
        snapshot={place.subject_type: purchase} if place.subject_type else {},
        coupon=coupon_context(coupon_code, 5, timezone.now() + timedelta(days=7)),
        links={"unsubscribe": sample_link, "preferences": sample_link},
        is_test=is_test,
        absence=absence,
    )


def sample_context(key: str, language: str, *, worst_case: bool = False, is_test: bool = False) -> dict[str, Any]:
    """The context letter ``key`` would get, filled with sample values.

    ``worst_case`` fills it as heavily as real data may: 200 cart lines, long names. A
    letter must render that within the render budget to be saved.
    """
    place = _place_of(key)
    first, last = ("Anna", "Smith") if not worst_case else ("Anna-" + "M" * 140, "Smith-" + "W" * 140)
    away = getattr(place.kind, "days", 0)  # inactivity kinds: how long the sample customer was away
    now = timezone.now()
    return _unsent_context(
        place,
        contact_context(email="anna@example.com", first_name=first, last_name=last, language=language),
        sample_commerce(place.subject_type, worst_case=worst_case) if place.subject_type else None,
        coupon_code=SAMPLE_COUPON_CODE,
        is_test=is_test,
        absence=absence_context(now - timedelta(days=away), now) if away else None,
    )


def chosen_contact_context(
    key: str, language: str, *, contact: Contact, purchase: dict[str, Any] | None, is_test: bool = False
) -> dict[str, Any]:
    """The context letter ``key`` would get "as" ``contact``: their name, and ``purchase``
    (their cart or order for this kind of letter; sample data when they have none)."""
    place = _place_of(key)
    if not purchase and place.subject_type:
        purchase = sample_commerce(place.subject_type)
    return _unsent_context(
        place,
        contact_context(
            email=contact.email, first_name=contact.first_name, last_name=contact.last_name, language=language
        ),
        purchase,
        coupon_code=CHOSEN_CONTACT_COUPON_CODE,
        is_test=is_test,
    )
