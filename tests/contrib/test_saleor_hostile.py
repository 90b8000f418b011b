"""The Saleor endpoints under hostile or unlucky input: every answer is the status Saleor acts on.

Saleor retries 5xx and timeouts and gives up on 4xx, so a body we can never accept must get a
4xx (never a 500 that is retried five times), and a delivery we could accept later (a key
rotated a moment ago) must get a 5xx (never a final 401 that loses it). Signatures are made
exactly as Saleor makes them, and the manifest's queries are checked against Saleor's schema.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from functools import cache
from pathlib import Path

import jwt
import pytest
from django.utils import timezone
from graphql import GraphQLEnumType, build_schema, parse, validate

from wagtail_triggers.contrib.saleor.manifest import build_manifest
from wagtail_triggers.contrib.saleor.models import SaleorInstall
from wagtail_triggers.contrib.saleor.verification import VerificationFailed, verify_jws
from wagtail_triggers.models import Event

from .conftest import checkout_payload
from .fake_saleor import kid_of, public_jwk, thumbprint

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).parent / "saleor_schema" / "schema.graphql"


@cache
def saleor_schema():
    return build_schema(SCHEMA.read_text())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# -- the manifest against Saleor's published schema ---------------------------------------------


def test_every_subscription_query_of_the_manifest_is_valid_in_saleors_schema(settings):
    settings.TRIGGERS_SALEOR_APP_URL = "https://triggers.shop.example"
    manifest = build_manifest()
    schema = saleor_schema()
    assert len(manifest["webhooks"]) == 8
    for hook in manifest["webhooks"]:
        errors = validate(schema, parse(hook["query"]))
        assert errors == [], (hook["asyncEvents"], [e.message for e in errors])
        assert "subscription" in hook["query"]


def test_the_schema_check_catches_a_field_saleor_does_not_have():
    """The validation above is not vacuous: a renamed field is reported."""
    query = "subscription { event { ... on CheckoutUpdated { checkout { id totalPriceGross } } } }"
    errors = validate(saleor_schema(), parse(query))
    assert [e.message for e in errors] == [
        "Cannot query field 'totalPriceGross' on type 'Checkout'. Did you mean 'totalPrice'?"
    ]


def test_the_manifests_events_and_permissions_are_saleors_enum_values(settings):
    settings.TRIGGERS_SALEOR_APP_URL = "https://triggers.shop.example"
    manifest = build_manifest()
    schema = saleor_schema()
    events = schema.get_type("WebhookEventTypeAsyncEnum")
    permissions = schema.get_type("PermissionEnum")
    assert isinstance(events, GraphQLEnumType) and isinstance(permissions, GraphQLEnumType)
    assert {e for hook in manifest["webhooks"] for e in hook["asyncEvents"]} <= set(events.values)
    assert set(manifest["permissions"]) <= set(permissions.values)


# -- signatures exactly as Saleor makes them ------------------------------------------------------


def test_the_thumbprint_is_rfc_7638():
    """RFC 7638 §3.1's example key has the thumbprint printed in the RFC."""
    key = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
        "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6"
        "qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJ"
        "zKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_signatures_and_keys_have_saleors_exact_shape(saleor):
    body = json.dumps(checkout_payload()).encode()
    signature = saleor.sign(body)
    protected, payload, _signature = signature.split(".")
    assert payload == ""  # detached
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    assert header == {"alg": "RS256", "b64": False, "crit": ["b64"], "kid": kid_of("saleor-key-1"), "typ": "JWT"}
    [jwk] = saleor.jwks()["keys"]
    assert {jwk["alg"], jwk["use"], jwk["kty"], jwk["kid"]} == {"RS256", "sig", "RSA", thumbprint(jwk)}
    assert public_jwk("saleor-key-1") == jwk


def test_our_verifier_accepts_saleors_signature_and_rejects_any_tampering(installed, saleor):
    body = json.dumps(checkout_payload()).encode()
    signature = saleor.sign(body)
    verify_jws(installed, signature, body)  # accepted: raises nothing
    protected, _empty, sig = signature.split(".")
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    tampered = {
        "body": (signature, body.replace(b"Anna", b"Anne")),
        "attached payload": (f"{protected}.{_b64(body)}.{sig}", body),
        "unknown crit": (f"{_b64(json.dumps({**header, 'crit': ['b64', 'exp']}).encode())}..{sig}", body),
        "alg none": (f"{_b64(json.dumps({**header, 'alg': 'none'}).encode())}..", body),
        "HS256 with the public key": (
            jwt.api_jws.encode(
                body,
                key="a-32-byte-or-longer-shared-secret",
                algorithm="HS256",
                headers={"kid": header["kid"]},
                is_payload_detached=True,
            ),
            body,
        ),
    }
    for name, (forged, forged_body) in tampered.items():
        with pytest.raises(VerificationFailed):
            verify_jws(installed, forged, forged_body)
            pytest.fail(f"accepted a tampered signature: {name}")


# -- status codes Saleor acts on --------------------------------------------------------------------


def test_a_validly_signed_100k_deep_body_is_a_400_not_a_500(installed, webhooks):
    body = b"[" * 100_000 + b"]" * 100_000
    response = webhooks.post("CHECKOUT_UPDATED", body)  # signed by Saleor's key: passes verification
    assert response.status_code == 400
    assert response.json() == {"error": "the body is nested too deeply"}
    assert not Event.objects.exists()


def test_a_key_rotated_inside_the_refetch_interval_is_retried_not_lost(installed, webhooks, saleor):
    """Saleor rotates its key seconds after our last JWKS fetch: 503 until we may refetch, then 200."""
    installed.jwks_fetched_at = timezone.now() - timedelta(seconds=20)  # interval: 1 minute
    installed.save()
    saleor.rotate("saleor-key-rotated")
    body = json.dumps(checkout_payload()).encode()
    signature = saleor.sign(body)
    first = webhooks.post("CHECKOUT_UPDATED", body, signature=signature)
    assert first.status_code == 503
    assert 35 <= int(first["Retry-After"]) <= 40  # the rest of the minute
    assert "not known yet" in first.json()["error"]
    assert saleor.hits["/.well-known/jwks.json"] == 1  # only the install's fetch
    # Saleor's retries come at +10 s, +30 s, +70 s …: the one after the interval gets through.
    SaleorInstall.objects.update(jwks_fetched_at=timezone.now() - timedelta(seconds=61))
    retry = webhooks.post("CHECKOUT_UPDATED", body, signature=signature)
    assert retry.status_code == 200, retry.content
    assert retry.json()["status"] == "recorded"
    assert saleor.hits["/.well-known/jwks.json"] == 2
    assert Event.objects.count() == 1  # delivered once, lost 0


def test_a_bad_signature_with_a_known_key_stays_a_final_401(installed, webhooks, saleor):
    body = json.dumps(checkout_payload()).encode()
    forged = saleor.sign(body, key="attacker-key", kid=kid_of("saleor-key-1"))
    response = webhooks.post("CHECKOUT_UPDATED", body, signature=forged)
    assert response.status_code == 401 and not response.has_header("Retry-After")
    assert saleor.hits["/.well-known/jwks.json"] == 1  # no refetch for a known key


def test_a_failed_jwks_refetch_is_a_503(installed, webhooks, saleor):
    installed.jwks_fetched_at = timezone.now() - timedelta(hours=1)
    installed.save()
    saleor.stop()  # Saleor's JWKS endpoint is unreachable
    body = json.dumps(checkout_payload()).encode()
    response = webhooks.post("CHECKOUT_UPDATED", body, signature=saleor.sign(body, key="saleor-key-new"))
    assert response.status_code == 503 and int(response["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda p: p.update(issuedAt="2025-13-45T10:00:00Z"), 200),  # impossible date: "now", not a 500
        (lambda p: p["checkout"]["lines"][0]["variant"]["product"].update(name="Mug\x00"), 422),
        (lambda p: p["checkout"]["lines"][0].update(quantity=10**6 + 1), 422),
        (lambda p: p["checkout"]["channel"].update(currencyCode="ЕВР"), 422),
        (lambda p: p["checkout"]["user"].update(firstName="A" * 10_000), 200),  # cut to the column
    ],
    ids=["impossible-issuedAt", "nul-in-name", "quantity-over-1e6", "cyrillic-currency", "long-first-name"],
)
def test_hostile_values_in_signed_payloads_are_answered_without_a_500(installed, webhooks, change, status):
    payload = checkout_payload()
    change(payload)
    response = webhooks.post("CHECKOUT_UPDATED", payload)
    assert response.status_code == status, response.content
    assert Event.objects.count() == (1 if status == 200 else 0)


def test_register_errors_have_the_shape_saleor_reads(client, saleor, saleor_settings):
    """``saleor/app/installation_utils.py`` shows ``response.json()["error"]["message"]``."""
    cases = [
        ({"data": b"[" * 100_000 + b"]" * 100_000}, 400, "INVALID_REQUEST"),
        ({"data": json.dumps({"auth_token": "t\x00"})}, 400, "MISSING_AUTH_TOKEN"),
        ({"data": json.dumps({"auth_token": "x" * 256})}, 400, "MISSING_AUTH_TOKEN"),
        ({"data": json.dumps({"auth_token": "forged"})}, 401, "UNKNOWN_APP_ID"),
        ({"data": json.dumps({"auth_token": "t"}), "HTTP_SALEOR_API_URL": ""}, 400, "MISSING_SALEOR_API_URL"),
        (
            {"data": json.dumps({"auth_token": "t"}), "HTTP_SALEOR_API_URL": "https://other.example/graphql/"},
            403,
            "SALEOR_URL_PROHIBITED",
        ),
    ]
    for kwargs, status, code in cases:
        kwargs = {"HTTP_SALEOR_API_URL": saleor.api_url, **kwargs}
        response = client.post("/saleor/register/", content_type="application/json", **kwargs)
        assert response.status_code == status, (code, response.content)
        body = response.json()
        assert body["success"] is False and body["error"]["code"] == code and body["error"]["message"]
    assert client.get("/saleor/register/").json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert not SaleorInstall.objects.exists()
