"""The template context of a letter: a documented, fixed set of plain values.

Letters never see ORM objects or settings (see ``docs/template-context.md``); everything
they may print is copied into dicts of strings, numbers, decimals and datetimes here.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.templatetags.tz import do_timezone
from django.utils import timezone

from . import conf
from .links import answer_links


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
