"""Fixtures for the adapters: a fake Saleor on loopback, an install of the app in it."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from .fake_saleor import TOKEN, FakeSaleor

PRODUCT_URL = "https://shop.example/products/{slug}/"
CART_URL = "https://shop.example/cart/?checkout={token}"
ORDER_URL = "https://shop.example/account/orders/{number}/"


@pytest.fixture
def saleor():
    fake = FakeSaleor().start()
    yield fake
    fake.stop()


@pytest.fixture
def saleor_settings(settings, saleor):
    settings.TRIGGERS_SALEOR_ALLOWED_API_URLS = [saleor.api_url]
    settings.TRIGGERS_SALEOR_PRODUCT_URL = PRODUCT_URL
    settings.TRIGGERS_SALEOR_CART_URL = CART_URL
    settings.TRIGGERS_SALEOR_ORDER_URL = ORDER_URL
    return settings


@pytest.fixture
def installed(db, client, saleor, saleor_settings):
    """The app installed in the fake Saleor through the register endpoint, as Saleor does it."""
    from wagtail_triggers.contrib.saleor.models import SaleorInstall

    response = client.post(
        "/saleor/register/",
        data=json.dumps({"auth_token": TOKEN}),
        content_type="application/json",
        HTTP_SALEOR_API_URL=saleor.api_url,
        HTTP_SALEOR_DOMAIN=saleor.origin.split("//")[1],
    )
    assert response.status_code == 200, response.content
    return SaleorInstall.objects.get()


class Webhooks:
    """Posts webhooks the way Saleor does: raw bytes, Saleor-* headers, a signature."""

    def __init__(self, client, saleor):
        self.client = client
        self.saleor = saleor

    def post(self, event: str, payload, *, signature=None, api_url=None, header_event=None, **headers):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        meta = {
            "HTTP_SALEOR_EVENT": (header_event or event).lower(),
            "HTTP_SALEOR_API_URL": api_url or self.saleor.api_url,
            "HTTP_SALEOR_DOMAIN": self.saleor.origin.split("//")[1],
            "HTTP_SALEOR_SIGNATURE": self.saleor.sign(body) if signature is None else signature,
            **headers,
        }
        url = f"/saleor/webhooks/{event.lower().replace('_', '-')}/"
        return self.client.post(url, data=body, content_type="application/json", **meta)


@pytest.fixture
def webhooks(client, saleor):
    return Webhooks(client, saleor)


# -- payloads shaped like the results of our subscription queries --------------------------------


def _issued(at: datetime | None) -> str:
    from django.utils import timezone

    return (at or timezone.now()).isoformat()


CATALOGUE = [
    ("Stoneware mug", "stoneware-mug", "Blue", 14.9, 2),
    ("Linen apron", "linen-apron", "Linen apron", 32.0, 1),
    ("Cast-iron skillet", "cast-iron-skillet", "26 cm", 59.0, 1),
]


def checkout_payload(
    *, token="5f0c6e0a-0000-4000-8000-000000000001", email="anna@example.com", lines=2, at=None, event="CheckoutUpdated"
):
    import base64

    checkout_id = base64.b64encode(f"Checkout:{token}".encode()).decode()
    return {
        "__typename": event,
        "issuedAt": _issued(at),
        "checkout": {
            "id": checkout_id,
            "token": token,
            "email": email,
            "languageCode": "RU",
            "updatedAt": _issued(at),
            "channel": {"slug": "default-channel", "currencyCode": "EUR"},
            "user": {
                "id": "VXNlcjox",
                "email": email,
                "firstName": "Anna",
                "lastName": "Kowalska",
                "languageCode": "RU",
            },
            "lines": [
                {
                    "quantity": qty,
                    "variant": {
                        "id": f"UHJvZHVjdFZhcmlhbnQ6{i}",
                        "sku": f"SKU-{i}",
                        "name": variant,
                        "product": {
                            "id": f"UHJvZHVjdDo{i}",
                            "name": name,
                            "slug": slug,
                            "thumbnail": {"url": f"https://cdn.shop.example/thumbnails/{slug}-256.png"},
                        },
                    },
                    "undiscountedUnitPrice": {"amount": price, "currency": "EUR"},
                }
                for i, (name, slug, variant, price, qty) in enumerate(CATALOGUE[:lines], start=1)
            ],
        },
    }


def order_payload(
    *,
    order_id="T3JkZXI6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDA3",
    checkout_token="5f0c6e0a-0000-4000-8000-000000000001",
    status="UNFULFILLED",
    email="anna@example.com",
    event="OrderCreated",
    at=None,
):
    import base64

    return {
        "__typename": event,
        "issuedAt": _issued(at),
        "order": {
            "id": order_id,
            "number": "1007",
            "status": status,
            "userEmail": email,
            "checkoutId": base64.b64encode(f"Checkout:{checkout_token}".encode()).decode() if checkout_token else None,
            "created": _issued(at),
            "languageCodeEnum": "EN",
            "channel": {"slug": "default-channel"},
            "user": {
                "id": "VXNlcjox",
                "email": email,
                "firstName": "Anna",
                "lastName": "Kowalska",
                "languageCode": "EN",
            },
            "total": {"gross": {"amount": 61.8, "currency": "EUR"}},
            "lines": [
                {
                    "productName": name,
                    "variantName": variant,
                    "productSku": f"SKU-{i}",
                    "productVariantId": f"UHJvZHVjdFZhcmlhbnQ6{i}",
                    "quantity": qty,
                    "thumbnail": {"url": f"https://cdn.shop.example/thumbnails/{slug}-256.png"},
                    "unitPrice": {"gross": {"amount": price, "currency": "EUR"}},
                    "variant": {"product": {"slug": slug}},
                }
                for i, (name, slug, variant, price, qty) in enumerate(CATALOGUE[:2], start=1)
            ],
        },
    }


def user_payload(*, event="CustomerCreated", last_login=None, joined=None, at=None, email="boris@example.com"):
    return {
        "__typename": event,
        "issuedAt": _issued(at),
        "user": {
            "id": "VXNlcjoy",
            "email": email,
            "firstName": "Boris",
            "lastName": "Ivanov",
            "languageCode": "RU",
            "dateJoined": _issued(joined),
            "lastLogin": last_login.isoformat() if last_login else None,
        },
    }
