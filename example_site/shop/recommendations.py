"""Products the follow-up's "offers" letter shows (``TRIGGERS_RECOMMENDATIONS`` in the settings).

wagtail-triggers calls :func:`recommend` when it composes a letter that shows recommendations.
A real shop would ask its recommender; the demo picks the newest products the customer has not
ordered yet.
"""

from __future__ import annotations

from typing import Any

from .events import product_data
from .models import ProductPage


def recommend(*, contact: Any, order: dict[str, Any] | None, limit: int) -> list[dict[str, Any]]:
    bought = [line["product_id"] for line in (order or {}).get("lines", []) if line["product_id"].isdigit()]
    products = (
        ProductPage.objects.live()
        .exclude(pk__in=[int(pk) for pk in bought])
        .select_related("image")
        .order_by("-first_published_at", "-pk")[:limit]
    )
    return [product_data(product) for product in products]
