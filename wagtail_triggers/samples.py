"""Realistic sample data for previews and for validating letters when they are saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from .context import absence_context, build_context, contact_context, coupon_context
from .links import absolute, static_url
from .payloads import MAX_RECOMMENDATIONS

SAMPLE_LINES = [
    ("Stoneware mug “Morning”", "Sand, 350 ml", 2, "14.90", "mug.png"),
    ("Linen apron", "Olive, one size", 1, "32.00", "apron.png"),
    ("Cast-iron skillet 26 cm", "", 1, "59.00", "skillet.png"),
]


#: The save check also renders every letter against this: a cart as big as a real one gets.
WORST_CASE_LINES = 200
LONG_NAME = "Hand-thrown stoneware serving bowl with reactive glaze, large, " * 4  # ~250 characters


SAMPLE_RECOMMENDATIONS = [
    ("Stoneware bowl “Morning”", "Sand, 600 ml", "18.50", "mug.png"),
    ("Linen tea towels, set of 2", "Olive", "16.00", "apron.png"),
    ("Cast-iron trivet", "", "12.90", "skillet.png"),
]


def sample_recommendations(*, worst_case: bool = False) -> list[dict[str, Any]]:
    """Products the follow-up's offers letter shows in previews (order data's shape)."""
    samples = SAMPLE_RECOMMENDATIONS
    if worst_case:
        samples = [
            (f"{LONG_NAME}#{n}", "Variant " + "x" * 120, "99999.99", SAMPLE_RECOMMENDATIONS[n % 3][3])
            for n in range(MAX_RECOMMENDATIONS)
        ]
    return [
        {
            "product_id": str(index),
            "name": name,
            "variant": variant,
            "unit_price": price,
            "currency": "EUR",
            "image_url": static_url(f"wagtail_triggers/samples/{image}"),
            "url": absolute(f"/products/{index}/"),
        }
        for index, (name, variant, price, image) in enumerate(samples, start=11)
    ]


def sample_commerce(kind: str, *, worst_case: bool = False) -> dict[str, Any]:
    samples = SAMPLE_LINES
    if worst_case:
        samples = [
            (f"{LONG_NAME}#{n}", "Variant " + "x" * 120, 999, "99999.99", SAMPLE_LINES[n % 3][4])
            for n in range(WORST_CASE_LINES)
        ]
    lines = [
        {
            "product_id": str(index),
            "name": name,
            "variant": variant,
            "quantity": quantity,
            "unit_price": price,
            "image_url": static_url(f"wagtail_triggers/samples/{image}"),
            "url": absolute(f"/products/{index}/"),
        }
        for index, (name, variant, quantity, price, image) in enumerate(samples, start=1)
    ]
    total = "120.80" if not worst_case else "9999999999.99"
    if kind == "cart":
        return {
            "id": "sample-cart",
            "url": absolute("/cart/"),
            "currency": "EUR",
            "total": total,
            "lines": lines,
        }
    return {
        "id": "sample-order",
        "number": "10042",
        "cart_id": "sample-cart",
        "url": absolute("/orders/10042/"),
        "reorder_url": absolute("/reorder/10042/"),
        "currency": "EUR",
        "total": total,
        "lines": lines,
        "recommendations": sample_recommendations(worst_case=worst_case),
    }


def sample_context(
    key: str, language: str, *, contact: dict[str, str] | None = None, worst_case: bool = False
) -> dict[str, Any]:
    """The context a letter with this key would get, filled with sample values.

    ``worst_case`` fills it as heavily as real data may: 200 cart lines, long names. A
    letter must render that within the render budget to be saved.
    """
    from .scenarios.registry import UnknownKind, registry

    kind_name = key.split("/", 1)[0]
    try:
        kind = registry.get(kind_name)
        subject_type = kind.subject_type
        scenario = {"kind": kind.kind, "name": str(kind.name)}
        steps = [spec.key for spec in kind.default_steps]
    except UnknownKind:
        subject_type, scenario, steps = None, {"kind": kind_name, "name": kind_name}, [key]
    position = steps.index(key) + 1 if key in steps else 1
    snapshot = {subject_type: sample_commerce(subject_type, worst_case=worst_case)} if subject_type else {}
    first, last = ("Anna", "Smith") if not worst_case else ("Anna-" + "M" * 140, "Smith-" + "W" * 140)
    away = getattr(registry.get(kind_name), "days", 0) if kind_name in registry else 0  # inactivity kinds
    return build_context(
        contact=contact
        or contact_context(email="anna@example.com", first_name=first, last_name=last, language=language),
        scenario=scenario,
        position=position,
        steps=len(steps),
        snapshot=snapshot,
        coupon=coupon_context("HELLO-5K2Q", 5, timezone.now() + timedelta(days=7)),
        links={
            "unsubscribe": absolute("/triggers/unsubscribe/sample/"),
            "preferences": absolute("/triggers/unsubscribe/sample/"),
        },
        absence=absence_context(timezone.now() - timedelta(days=away), timezone.now()) if away else None,
    )
