"""Realistic sample data for previews and for validating letters when they are saved.

:func:`wagtail_triggers.context.sample_context` builds a letter's context from it.
"""

from __future__ import annotations

from typing import Any

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
