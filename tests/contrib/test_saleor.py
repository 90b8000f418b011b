"""The Saleor app: manifest, install, signed webhooks → one event per fact, chains closed by orders."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from wagtail_triggers.contrib.saleor.models import SaleorInstall
from wagtail_triggers.contrib.saleor.queries import QUERIES
from wagtail_triggers.models import Contact, Enrollment, Event

from ..conftest import scenario_of
from .conftest import checkout_payload, order_payload, user_payload
from .fake_saleor import APP_ID, TOKEN, kid_of

pytestmark = pytest.mark.django_db


def _events():
    return list(Event.objects.order_by("pk"))


# -- manifest and install ----------------------------------------------------------------------


def test_manifest_asks_for_the_three_permissions_and_points_every_webhook_here(client, settings):
    settings.TRIGGERS_SALEOR_APP_URL = "https://triggers.shop.example"
    manifest = client.get("/saleor/manifest/").json()
    assert manifest["tokenTargetUrl"] == "https://triggers.shop.example/saleor/register/"
    assert set(manifest["permissions"]) == {"MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_USERS"}
    assert {"id", "version", "name", "about", "tokenTargetUrl", "webhooks"} <= set(manifest)
    by_event = {hook["asyncEvents"][0]: hook for hook in manifest["webhooks"]}
    assert set(by_event) == set(QUERIES)
    hook = by_event["ORDER_CREATED"]
    assert hook["targetUrl"] == "https://triggers.shop.example/saleor/webhooks/order-created/"
    assert "checkoutId" in hook["query"] and "... on OrderCreated" in hook["query"]
    assert "undiscountedUnitPrice" in by_event["CHECKOUT_UPDATED"]["query"]


def test_register_stores_the_install_with_its_token_app_id_and_keys(installed, saleor):
    assert installed.api_url == saleor.api_url
    assert installed.token == TOKEN
    assert installed.app_id == APP_ID
    assert [k["kid"] for k in installed.jwks["keys"]] == [kid_of("saleor-key-1")]
    assert saleor.hits["/graphql/"] == 1 and saleor.hits["/.well-known/jwks.json"] == 1


def test_register_refuses_a_saleor_that_is_not_allowed_without_calling_it(client, saleor, settings):
    settings.TRIGGERS_SALEOR_ALLOWED_API_URLS = ["https://other.example/graphql/"]
    response = client.post(
        "/saleor/register/",
        data=json.dumps({"auth_token": TOKEN}),
        content_type="application/json",
        HTTP_SALEOR_API_URL=saleor.api_url,
    )
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": {
            "code": "SALEOR_URL_PROHIBITED",
            "message": f"{saleor.api_url} may not install this app: add it to TRIGGERS_SALEOR_ALLOWED_API_URLS",
        },
    }
    assert not SaleorInstall.objects.exists()
    assert not saleor.hits


def test_register_refuses_a_token_saleor_does_not_know(client, saleor, saleor_settings):
    response = client.post(
        "/saleor/register/",
        data=json.dumps({"auth_token": "forged"}),
        content_type="application/json",
        HTTP_SALEOR_API_URL=saleor.api_url,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNKNOWN_APP_ID"
    assert not SaleorInstall.objects.exists()


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"auth_token": 5}', b"{}"])
def test_register_answers_malformed_requests_with_400(client, saleor, saleor_settings, body):
    response = client.post(
        "/saleor/register/", data=body, content_type="application/json", HTTP_SALEOR_API_URL=saleor.api_url
    )
    assert response.status_code == 400
    error = response.json()["error"]  # the shape Saleor shows when an install fails
    assert error["code"] in {"INVALID_REQUEST", "MISSING_AUTH_TOKEN"} and error["message"]


# -- verification --------------------------------------------------------------------------------


def test_a_signed_checkout_update_is_one_cart_event_in_our_shape(installed, webhooks):
    response = webhooks.post("CHECKOUT_UPDATED", checkout_payload())
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "recorded"
    (event,) = _events()
    assert event.kind == "cart_updated"
    assert event.email == "anna@example.com"
    assert event.customer_id == "VXNlcjox"
    cart = event.data
    assert cart["id"] == event.cart_id == checkout_payload()["checkout"]["id"]
    assert cart["url"] == "https://shop.example/cart/?checkout=5f0c6e0a-0000-4000-8000-000000000001"
    assert cart["currency"] == "EUR"
    assert cart["total"] == "61.80"
    mug = cart["lines"][0]
    assert mug == {
        "product_id": "SKU-1",
        "name": "Stoneware mug",
        "variant": "Blue",
        "quantity": 2,
        "unit_price": "14.90",
        "image_url": "https://cdn.shop.example/thumbnails/stoneware-mug-256.png",
        "url": "https://shop.example/products/stoneware-mug/",
    }
    assert cart["lines"][1]["variant"] == ""  # same as the product name: not repeated
    assert cart["customer"] == {"first_name": "Anna", "last_name": "Kowalska", "language": "ru"}


def test_a_tampered_body_is_refused_and_nothing_is_stored(installed, webhooks, saleor):
    body = json.dumps(checkout_payload()).encode()
    signature = saleor.sign(body)
    tampered = body.replace(b"anna@example.com", b"mallory@example.com")
    response = webhooks.post("CHECKOUT_UPDATED", tampered, signature=signature)
    assert response.status_code == 401
    assert "does not match" in response.json()["error"]
    assert not Event.objects.exists() and not Contact.objects.exists()


def test_re_serialised_json_does_not_verify(installed, webhooks, saleor):
    body = json.dumps(checkout_payload()).encode()
    signature = saleor.sign(body)
    same_data = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert json.loads(same_data) == json.loads(body) and same_data != body
    assert webhooks.post("CHECKOUT_UPDATED", same_data, signature=signature).status_code == 401
    assert webhooks.post("CHECKOUT_UPDATED", body, signature=signature).status_code == 200
    assert Event.objects.count() == 1


def test_a_replayed_webhook_is_recorded_once(installed, webhooks, saleor):
    body = json.dumps(checkout_payload()).encode()
    signature = saleor.sign(body)
    first = webhooks.post("CHECKOUT_UPDATED", body, signature=signature)
    again = [webhooks.post("CHECKOUT_UPDATED", body, signature=signature) for _ in range(3)]
    assert first.json()["status"] == "recorded"
    assert {r.status_code for r in again} == {200}  # a 2xx, or Saleor would retry
    assert {r.json()["status"] for r in again} == {"duplicate"}
    assert Event.objects.count() == 1


def test_a_real_change_of_the_same_checkout_is_a_new_event(installed, webhooks):
    webhooks.post("CHECKOUT_UPDATED", checkout_payload(lines=1))
    webhooks.post("CHECKOUT_UPDATED", checkout_payload(lines=2))
    assert [len(e.data["lines"]) for e in _events()] == [1, 2]


def test_an_unknown_key_refetches_the_jwks_once_then_refuses(installed, webhooks, saleor):
    installed.jwks_fetched_at = timezone.now() - timedelta(hours=1)
    installed.save()
    before = saleor.hits["/.well-known/jwks.json"]
    body = json.dumps(checkout_payload()).encode()
    forged = saleor.sign(body, key="attacker-key")
    response = webhooks.post("CHECKOUT_UPDATED", body, signature=forged)
    assert response.status_code == 401  # Saleor's current keys do not have it: final
    assert f"unknown signing key {kid_of('attacker-key')!r}" in response.json()["error"]
    assert saleor.hits["/.well-known/jwks.json"] == before + 1
    # Within the refetch interval, more unknown keys cost Saleor nothing: 503, retried later.
    for _ in range(3):
        response = webhooks.post("CHECKOUT_UPDATED", body, signature=forged)
        assert response.status_code == 503
        assert 1 <= int(response["Retry-After"]) <= 60
    assert saleor.hits["/.well-known/jwks.json"] == before + 1
    assert not Event.objects.exists()


def test_a_known_key_id_with_the_wrong_key_does_not_refetch(installed, webhooks, saleor):
    installed.jwks_fetched_at = timezone.now() - timedelta(hours=1)
    installed.save()
    before = saleor.hits["/.well-known/jwks.json"]
    body = json.dumps(checkout_payload()).encode()
    forged = saleor.sign(body, key="attacker-key", kid=kid_of("saleor-key-1"))
    response = webhooks.post("CHECKOUT_UPDATED", body, signature=forged)
    assert response.status_code == 401
    assert saleor.hits["/.well-known/jwks.json"] == before


def test_a_rotated_key_is_accepted_after_one_refetch(installed, webhooks, saleor):
    installed.jwks_fetched_at = timezone.now() - timedelta(hours=1)
    installed.save()
    new_kid = saleor.rotate("saleor-key-2")
    body = json.dumps(checkout_payload()).encode()
    response = webhooks.post("CHECKOUT_UPDATED", body, signature=saleor.sign(body))
    assert response.status_code == 200, response.content
    installed.refresh_from_db()
    assert [k["kid"] for k in installed.jwks["keys"]] == [new_kid]


def test_legacy_hmac_signatures_verify_for_an_install_with_a_secret(installed, webhooks, saleor):
    installed.webhook_secret = "s3cret"
    installed.save()
    body = json.dumps(checkout_payload()).encode()
    assert webhooks.post("CHECKOUT_UPDATED", body, signature=saleor.sign_hmac(body, "wrong")).status_code == 401
    assert webhooks.post("CHECKOUT_UPDATED", body, signature=saleor.sign_hmac(body, "s3cret")).status_code == 200
    assert Event.objects.count() == 1


def test_an_hmac_signature_is_refused_for_an_install_without_a_secret(installed, webhooks, saleor):
    body = json.dumps(checkout_payload()).encode()
    assert webhooks.post("CHECKOUT_UPDATED", body, signature=saleor.sign_hmac(body, "")).status_code == 401


def test_an_unknown_api_url_is_refused(installed, webhooks):
    response = webhooks.post("CHECKOUT_UPDATED", checkout_payload(), api_url="https://evil.example/graphql/")
    assert response.status_code == 403
    assert "not installed" in response.json()["error"]
    assert not Event.objects.exists()


def test_an_install_removed_from_the_allow_list_is_refused(installed, webhooks, settings):
    settings.TRIGGERS_SALEOR_ALLOWED_API_URLS = []
    assert webhooks.post("CHECKOUT_UPDATED", checkout_payload()).status_code == 403


def test_a_wrong_event_header_is_refused(installed, webhooks):
    response = webhooks.post("CHECKOUT_UPDATED", checkout_payload(), header_event="order_created")
    assert response.status_code == 400
    assert "takes checkout_updated webhooks" in response.json()["error"]
    assert not Event.objects.exists()


def test_the_legacy_x_saleor_headers_are_understood(installed, client, saleor):
    body = json.dumps(checkout_payload()).encode()
    response = client.post(
        "/saleor/webhooks/checkout-updated/",
        data=body,
        content_type="application/json",
        HTTP_X_SALEOR_EVENT="checkout_updated",
        HTTP_X_SALEOR_SIGNATURE=saleor.sign(body),
        HTTP_SALEOR_API_URL=saleor.api_url,
    )
    assert response.status_code == 200


def test_an_oversized_body_is_refused_before_it_is_read(installed, webhooks, settings):
    settings.TRIGGERS_SALEOR_MAX_BODY_SIZE = 1000
    payload = checkout_payload()
    payload["padding"] = "x" * 2000
    response = webhooks.post("CHECKOUT_UPDATED", payload)
    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["error"]


def test_a_missing_signature_is_refused(installed, webhooks):
    assert webhooks.post("CHECKOUT_UPDATED", checkout_payload(), signature="").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b'"a string"',
        b'{"checkout": "not an object"}',
        b'{"checkout": {"email": "a@example.com"}}',
        b'{"checkout": {"id": "Q2g6MQ==", "email": "a@example.com", "lines": "nope"}}',
        b'{"checkout": {"id": "Q2g6MQ==", "email": "a@example.com", "lines": [7]}}',
        b'{"checkout": {"id": "Q2g6MQ==", "email": "a@example.com", "lines": [{"quantity": 1}]}}',
        b'{"checkout": {"id": "Q2g6MQ==", "email": "a@example.com", "lines": [{"quantity": 1, "undiscountedUnitPrice": {"amount": -1}}]}}',
        b'{"checkout": {"id": "Q2g6MQ==", "email": "not an email", "lines": []}}',
        b'{"checkout": {"id": {"nested": 1}, "email": "a@example.com"}}',
    ],
)
def test_malformed_but_signed_bodies_get_a_4xx_never_a_500(installed, webhooks, body):
    response = webhooks.post("CHECKOUT_UPDATED", body)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]
    assert not Event.objects.exists()


def test_get_is_not_allowed_and_unknown_webhooks_are_404(installed, client):
    assert client.get("/saleor/webhooks/checkout-updated/").status_code == 405
    assert (
        client.post("/saleor/webhooks/product-updated/", data=b"{}", content_type="application/json").status_code == 404
    )


# -- mapping: what becomes an event ------------------------------------------------------------------


def test_a_guest_checkout_without_an_email_is_accepted_and_ignored(installed, webhooks):
    response = webhooks.post("CHECKOUT_CREATED", checkout_payload(email=None, event="CheckoutCreated"))
    payload = checkout_payload(email=None)
    payload["checkout"]["user"] = None
    response = webhooks.post("CHECKOUT_UPDATED", payload)
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "reason": "the checkout has no email yet"}
    assert not Event.objects.exists()


def test_data_our_validation_refuses_is_a_422_and_stores_nothing(installed, webhooks):
    payload = checkout_payload()
    payload["checkout"]["channel"]["currencyCode"] = "EURO"
    response = webhooks.post("CHECKOUT_UPDATED", payload)
    assert response.status_code == 422
    assert "currency" in " ".join(response.json()["errors"])
    assert not Event.objects.exists()


def test_a_cancellation_sends_two_webhooks_and_makes_one_event(installed, webhooks):
    cancelled = webhooks.post("ORDER_CANCELLED", order_payload(status="CANCELED", event="OrderCancelled"))
    updated = webhooks.post("ORDER_UPDATED", order_payload(status="CANCELED", event="OrderUpdated"))
    assert cancelled.json()["status"] == "recorded"
    assert updated.status_code == 200 and updated.json()["status"] == "duplicate"
    (event,) = _events()
    assert event.kind == "order_cancelled"
    assert event.subject_id == order_payload()["order"]["id"]


def test_an_order_update_that_is_not_a_cancellation_is_ignored(installed, webhooks):
    response = webhooks.post("ORDER_UPDATED", order_payload(status="FULFILLED", event="OrderUpdated"))
    assert response.json()["status"] == "ignored"
    assert not Event.objects.exists()


def test_an_order_carries_the_checkout_id_as_its_cart_and_exact_prices(installed, webhooks):
    webhooks.post("ORDER_CREATED", order_payload())
    (event,) = _events()
    assert event.kind == "order_completed"
    assert event.cart_id == checkout_payload()["checkout"]["id"]
    assert event.data["number"] == "1007"
    assert event.data["url"] == "https://shop.example/account/orders/1007/"
    assert event.data["total"] == "61.80"
    assert [line["unit_price"] for line in event.data["lines"]] == ["14.90", "32.00"]
    assert Decimal(event.data["lines"][0]["unit_price"]) == Decimal("14.90")


def test_customers_register_and_are_seen_at_their_last_login(installed, webhooks):
    now = timezone.now().replace(microsecond=0)
    joined, last_login = now - timedelta(days=3), now - timedelta(days=1)
    webhooks.post("CUSTOMER_CREATED", user_payload(joined=joined))
    for _ in range(2):  # two profile edits, one login between them: one visit
        webhooks.post("CUSTOMER_UPDATED", user_payload(event="CustomerUpdated", joined=joined, last_login=last_login))
    registered, seen = _events()
    assert (registered.kind, registered.occurred_at) == ("customer_registered", joined)
    assert (seen.kind, seen.occurred_at) == ("customer_seen", last_login)
    assert seen.data["customer"] == {"first_name": "Boris", "last_name": "Ivanov", "language": "ru"}


# -- end to end ------------------------------------------------------------------------------------


def test_the_webhook_stores_the_event_and_leaves_the_rest_to_the_queue(installed, webhooks, enable):
    enable("forgotten_cart")
    webhooks.post("CHECKOUT_UPDATED", checkout_payload())
    event = Event.objects.get()
    assert event.processed_at is None
    assert not Enrollment.objects.exists() and not Contact.objects.exists()


def test_an_order_from_the_checkout_ends_the_forgotten_cart_chain(installed, webhooks, enable, clock):
    enable("forgotten_cart")
    webhooks.post("CHECKOUT_UPDATED", checkout_payload())
    clock.tick(minutes=1)  # an hour and a minute after the checkout changed
    (reminder,) = mail.outbox
    assert scenario_of(reminder) == "forgotten_cart"
    html = reminder.alternatives[0][0]
    assert "Stoneware mug" in html and "stoneware-mug-256.png" in html
    webhooks.post("ORDER_CREATED", order_payload())
    clock.tick(days=3)
    assert len(mail.outbox) == 1  # no "your cart is reserved", no discount
    enrollment = Enrollment.objects.get(scenario__kind="forgotten_cart")
    assert enrollment.state == Enrollment.State.GOAL


def test_without_the_order_the_chain_goes_on(installed, webhooks, enable, clock):
    enable("forgotten_cart")
    webhooks.post("CHECKOUT_UPDATED", checkout_payload())
    clock.tick(minutes=1)
    webhooks.post("ORDER_CREATED", order_payload(checkout_token="5f0c6e0a-0000-4000-8000-00000000ffff"))
    clock.tick(days=1, minutes=1)
    assert [scenario_of(m) for m in mail.outbox] == ["forgotten_cart", "forgotten_cart"]


# -- registering by hand ----------------------------------------------------------------------------


def test_the_command_prints_app_create_and_one_webhook_create_per_event(capsys):
    call_command("triggers_saleor", "mutations", "--app-url", "https://triggers.shop.example")
    out = capsys.readouterr().out
    assert "appCreate(input: {name:" in out and "permissions: [MANAGE_CHECKOUTS, MANAGE_ORDERS, MANAGE_USERS]" in out
    assert out.count("webhookCreate(") == len(QUERIES)
    assert 'targetUrl: "https://triggers.shop.example/saleor/webhooks/order-cancelled/"' in out
    assert "asyncEvents: [ORDER_CANCELLED]" in out


def test_the_command_stores_an_install_for_a_token_from_app_create(saleor, saleor_settings, webhooks, capsys):
    call_command("triggers_saleor", "install", "--api-url", saleor.api_url, "--token", TOKEN)
    install = SaleorInstall.objects.get()
    assert (install.app_id, install.token) == (APP_ID, TOKEN)
    assert webhooks.post("CHECKOUT_UPDATED", checkout_payload()).status_code == 200
    call_command("triggers_saleor", "list")
    assert saleor.api_url in capsys.readouterr().out
