"""Click and open tracking: signed links, no open redirect, machines told apart, conversions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from wagtail_triggers.models import Conversion, Delivery, TrackingEvent
from wagtail_triggers.tracking import click_token, click_url, open_pixel_url

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def _path(url: str) -> str:
    return url.replace("https://shop.example", "")


@pytest.fixture
def sent(enable, clock, events):
    """One sent forgotten-cart reminder, sent a minute ago."""
    enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now() - timedelta(minutes=1))
    delivery.refresh_from_db()
    return delivery


def _click_links(html: str) -> list[str]:
    return re.findall(r'href="(https://shop\.example/triggers/c/[^"]+)"', html)


def test_letter_links_are_signed_click_links_and_an_open_pixel_is_added(sent):
    html = mail.outbox[0].alternatives[0][0]
    assert len(_click_links(html)) == 4  # shop, products, cart button
    assert re.search(r'<img src="https://shop\.example/triggers/o/[^"]+" width="1" height="1" alt=""', html)
    unsubscribe = mail.outbox[0].extra_headers["List-Unsubscribe"][1:-1]
    assert unsubscribe in html  # consent links are never wrapped


def test_tracking_is_switchable_per_scenario(enable, clock, events):
    [scenario] = enable("forgotten_cart")
    scenario.track_opens = scenario.track_clicks = False
    scenario.save()
    events.cart()
    clock.tick(minutes=61)
    html = mail.outbox[0].alternatives[0][0]
    assert "/triggers/c/" not in html and "/triggers/o/" not in html
    assert 'href="https://shop.example/cart/c1/"' in html


def test_a_click_records_and_redirects_to_the_signed_url(sent):
    link = next(link for link in _click_links(mail.outbox[0].alternatives[0][0]) if "c1" in _decode(link))
    response = Client().get(_path(link), HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302 and response["Location"] == "https://shop.example/cart/c1/"
    sent.refresh_from_db()
    assert sent.click_count == 1 and sent.clicked_at and sent.opened_at  # a click implies an open


def test_a_replayed_click_counts_again_but_keeps_the_first_time(sent):
    path = _path(click_url(sent.pk, "https://shop.example/cart/c1/"))
    Client().get(path, HTTP_USER_AGENT=BROWSER)
    first = Delivery.objects.get().clicked_at
    assert Client().get(path, HTTP_USER_AGENT=BROWSER).status_code == 302
    sent.refresh_from_db()
    assert sent.click_count == 2 and sent.clicked_at == first


def test_a_tampered_click_token_cannot_redirect_elsewhere(sent):
    import base64

    token = click_token(sent.pk, "https://shop.example/cart/c1/")
    _value, timestamp, signature = token.rsplit(":", 2)
    evil = base64.urlsafe_b64encode(b"https://evil.example/").decode().rstrip("=")
    forged = f"{sent.pk}.{evil}:{timestamp}:{signature}"  # another URL under the old signature
    for bad in (forged, token[:-3] + "abc", "nonsense"):
        response = Client().get(f"/triggers/c/{bad}/", HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 400
        assert not response.has_header("Location")
        assert b"not valid" in response.content
    assert TrackingEvent.objects.count() == 0


def test_an_expired_click_token_shows_a_friendly_page(sent, settings):
    path = _path(click_url(sent.pk, "https://shop.example/cart/c1/"))
    settings.TRIGGERS_LINK_MAX_AGE = timedelta(seconds=-1)
    response = Client().get(path, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 410 and b"expired" in response.content


@pytest.mark.parametrize(
    ("agent", "method"),
    [
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", "GET"),
        ("python-requests/2.32", "GET"),
        ("", "GET"),
        (BROWSER, "HEAD"),
    ],
)
def test_scanners_are_recorded_but_not_counted(sent, agent, method):
    path = _path(click_url(sent.pk, "https://shop.example/cart/c1/"))
    response = getattr(Client(), method.lower())(path, HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.click_count == 0 and sent.clicked_at is None
    assert TrackingEvent.objects.get().is_bot


def test_a_click_within_seconds_of_sending_is_a_machine(sent):
    Delivery.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    Client().get(_path(click_url(sent.pk, "https://shop.example/cart/c1/")), HTTP_USER_AGENT=BROWSER)
    assert Delivery.objects.get().click_count == 0


def test_open_pixel_counts_people_and_image_proxies(sent):
    path = _path(open_pixel_url(sent.pk))
    response = Client().get(
        path,
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    Client().get(path, HTTP_USER_AGENT=BROWSER)
    sent.refresh_from_db()
    assert sent.open_count == 2 and sent.opened_at


def test_a_bad_open_token_still_gets_a_pixel_and_records_nothing(sent):
    response = Client().get("/triggers/o/forged:token/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert TrackingEvent.objects.count() == 0


def test_an_order_after_a_click_is_attributed_with_its_revenue(sent, clock, events):
    Client().get(_path(click_url(sent.pk, "https://shop.example/cart/c1/")), HTTP_USER_AGENT=BROWSER)
    events.order(order_id="o7", cart_id="c1")
    clock.tick(minutes=1)
    conversion = Conversion.objects.get()
    assert (conversion.delivery_id, conversion.order_id, str(conversion.revenue), conversion.currency) == (
        sent.pk,
        "o7",
        "61.80",
        "EUR",
    )


def test_no_attribution_without_a_click_or_outside_the_window(sent, clock, events, settings):
    events.order(order_id="o7", cart_id="c1")
    clock.tick(minutes=1)
    assert Conversion.objects.count() == 0  # delivered but not clicked
    settings.TRIGGERS_ATTRIBUTION = "delivery"
    settings.TRIGGERS_ATTRIBUTION_WINDOW = timedelta(days=5)
    Delivery.objects.update(sent_at=clock.now - timedelta(days=6))
    events.order(order_id="o8")
    clock.tick(minutes=1)
    assert Conversion.objects.count() == 0
    Delivery.objects.update(sent_at=clock.now - timedelta(days=1))
    events.order(order_id="o9")
    clock.tick(minutes=1)
    assert Conversion.objects.get().order_id == "o9"


def _decode(link: str) -> str:
    from wagtail_triggers.tracking import read_click_token

    return read_click_token(link.rstrip("/").rsplit("/", 1)[1])[1]
