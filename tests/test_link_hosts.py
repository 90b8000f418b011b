"""Links from event data lead only to the shop: dropped at intake, refused again at click time.

The click redirect follows a URL signed into the letter, so a cart URL on ``evil.example`` sent
in an event would make ``/triggers/c/`` an open redirect with the shop's name on it.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import Page, Site

from wagtail_triggers import record_event
from wagtail_triggers.models import Delivery, TrackingEvent
from wagtail_triggers.tracking import click_url, read_click_token

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
EVIL_CART = {
    "id": "c1",
    "url": "https://evil.example/phish/",
    "currency": "EUR",
    "lines": [
        {
            "name": "Stoneware mug",
            "quantity": 1,
            "unit_price": "14.90",
            "url": "https://evil.example/mug/",
            "image_url": "https://cdn.example/mug.png",
        }
    ],
}


def _targets(html: str) -> dict[str, str]:
    """Each click link of a letter → where it redirects to."""
    links = re.findall(r'href="https://shop\.example(/triggers/c/([^"/]+)/)"', html)
    return {path: read_click_token(token)[1] for path, token in links}


def _send(enable, clock, **settings_at_intake):
    enable("forgotten_cart")
    record_event("cart_updated", email="anna@example.com", data=EVIL_CART, occurred_at=clock.now)
    clock.tick(minutes=61)
    return mail.outbox[-1].alternatives[0][0]


@pytest.mark.django_db
def test_event_urls_off_the_allow_list_are_dropped_at_intake_and_never_reach_a_letter(enable, clock):
    html = _send(enable, clock)
    cart = Delivery.objects.get().enrollment.snapshot["cart"]
    assert cart["url"] == "" and cart["lines"][0]["url"] == ""
    assert cart["lines"][0]["image_url"] == "https://cdn.example/mug.png"  # images are not redirects
    targets = _targets(html)  # the cart button and the product link fall back to the shop
    assert set(targets.values()) == {"https://shop.example/"}
    assert "evil.example" not in html


@pytest.fixture
def fresh_site_cache():
    """Wagtail caches site root paths in the cache, which outlives the test's rollback: a Site
    created here must not be remembered by the next test."""
    Site.clear_site_root_paths_cache()
    yield
    Site.clear_site_root_paths_cache()


@pytest.mark.django_db
def test_the_allow_list_defaults_to_the_shop_and_the_wagtail_sites_and_can_be_set(settings, fresh_site_cache):
    def kept(url: str) -> bool:
        event = record_event("cart_updated", email="anna@example.com", data={**EVIL_CART, "url": url, "lines": []})
        return event.data["url"] == url

    assert kept("https://shop.example/cart/") and kept("http://SHOP.example:8443/cart/")
    assert not kept("https://evil.example/") and not kept("https://shop.example.evil.example/")
    assert not kept("https://www.shop.example/cart/")
    Site.objects.create(hostname="www.shop.example", port=443, root_page=Page.objects.get(depth=1))
    assert kept("https://www.shop.example/cart/")  # a new Wagtail Site is allowed at once
    settings.TRIGGERS_SHOP_URL = "https://store.example/"
    assert kept("https://store.example/cart/")
    settings.TRIGGERS_ALLOWED_LINK_HOSTS = [".brand.example"]
    assert kept("https://brand.example/c/") and kept("https://eu.brand.example/c/")
    assert not kept("https://shop.example/cart/")  # the setting replaces the default


@pytest.mark.django_db
def test_a_stored_off_site_link_is_refused_at_click_time_once_the_host_is_not_allowed(enable, clock, settings):
    """Settings change and old events exist: the click view checks the host again."""
    settings.TRIGGERS_ALLOWED_LINK_HOSTS = ["*"]  # e.g. a shop that allowed any host last year
    html = _send(enable, clock)
    targets = _targets(html)
    evil = [path for path, url in targets.items() if "evil.example" in url]
    own = [path for path, url in targets.items() if url.startswith("https://shop.example/")]
    assert len(evil) == 2 and own  # the cart button and the product link
    Delivery.objects.update(sent_at=clock.now.replace(year=2000))  # not a scanner's instant click
    assert Client().get(evil[0], HTTP_USER_AGENT=BROWSER).status_code == 302  # still allowed
    settings.TRIGGERS_ALLOWED_LINK_HOSTS = None
    for path in evil:
        response = Client().get(path, HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 400 and not response.has_header("Location")
        assert b"not valid" in response.content
    response = Client().get(own[0], HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302 and response["Location"].startswith("https://shop.example/")
    assert TrackingEvent.objects.count() == 2  # the allowed clicks only; refused ones record nothing


@pytest.mark.django_db
def test_links_an_editor_wrote_to_other_sites_still_redirect(enable, clock):
    _send(enable, clock)
    delivery = Delivery.objects.get()
    path = click_url(delivery.pk, "https://instagram.example/ourshop").removeprefix("https://shop.example")
    response = Client().get(path, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302 and response["Location"] == "https://instagram.example/ourshop"


@pytest.mark.django_db
def test_a_click_link_of_an_unknown_delivery_leads_only_to_the_shop():
    def status(url: str) -> int:
        return Client().get(click_url(999_999, url).removeprefix("https://shop.example")).status_code

    assert status("https://evil.example/") == 400
    assert status("https://shop.example/cart/") == 302
