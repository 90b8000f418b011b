"""Truthful order letters: where the cancelled-order buttons lead, what the "reserved" letters
promise, when the follow-up writes, and the products its "offers" letter shows.

Letters go through the real loopback SMTP server; the assertions read what a recipient reads:
the text part as received and the targets of the HTML links (click tracking decoded).
"""

from __future__ import annotations

import importlib
import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps

from wagtail_triggers.contrib.saleor.mapping import order_data as saleor_order_data
from wagtail_triggers.events import InvalidEvent, record_event
from wagtail_triggers.models import Contact, Scenario, Step
from wagtail_triggers.payloads import MAX_RECOMMENDATIONS
from wagtail_triggers.provisioning import SetupResult, ensure_scenario
from wagtail_triggers.scenarios.registry import registry
from wagtail_triggers.tracking import read_click_token

from .admin.test_scenarios_admin import _edit, _errors, _settings_form
from .conftest import cart_payload, link_targets, order_payload

ORDER_PAGE = "https://shop.example/orders/o1/"
REORDER = "https://shop.example/reorder/o1/"
SHOP = "https://shop.example/"
migration = importlib.import_module("wagtail_triggers.migrations.0010_order_letters")


def _read(message) -> tuple[str, str, list[str]]:
    """(subject, text part, where the HTML links lead) as the recipient gets them."""
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    return message["Subject"], text, link_targets(html)


def _text_targets(text: str) -> list[str]:
    """The URLs printed in the text part, click tracking decoded."""
    found = []
    for url in re.findall(r"https?://[^\s)]+", text):
        match = re.search(r"/triggers/c/([^/]+)/$", url)
        found.append(read_click_token(match.group(1))[1] if match else url)
    return found


def _button(message, label: str) -> tuple[str, str]:
    """Where the button ``label`` leads: (in the HTML, in the text part), tracking decoded."""
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    [href] = [h for h, inner in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]*)</a>', html) if label in inner]
    [line] = [line for line in text.splitlines() if line.startswith(label)]
    return link_targets(f'href="{href}"')[0], _text_targets(line)[0]


def _cancel(clock, **extra):
    data = {**order_payload("o1"), **extra}
    return record_event("order_cancelled", email="anna@example.com", data=data, occurred_at=clock.now)


def _complete(clock, **extra):
    data = {**order_payload("o1"), **extra}
    return record_event("order_completed", email="anna@example.com", data=data, occurred_at=clock.now)


@pytest.fixture
def scenarios(db):
    """Built-in scenario rows without database copies of the letters (cheap to set up): the
    letters are then the shipped files, the very ones ``triggers_setup`` would copy."""

    def _make(*kinds: str, enabled: bool = True) -> list[Scenario]:
        made = []
        for kind in kinds:
            scenario = ensure_scenario(registry.get(kind), SetupResult())
            if enabled:
                scenario.set_enabled(True)
            made.append(scenario)
        return made

    return _make


def _only_step(scenario: Scenario, key: str) -> Step:
    """Switch off every other step, so the letter under test is the chain's first."""
    scenario.steps.exclude(template_key=key).update(enabled=False)
    return scenario.steps.get(template_key=key)


# -- 1. cancelled order: the buttons ---------------------------------------------------------


def test_cancelled_order_buttons_put_the_products_back_into_a_cart(scenarios, clock, smtp):
    scenarios("cancelled_order")
    _cancel(clock, reorder_url=REORDER)
    sent = [clock.tick(minutes=61), clock.tick(days=1, minutes=1), clock.tick(days=1, minutes=1)]
    assert [report.counts["sent"] for report in sent] == [1, 1, 1]
    for message in smtp.messages:
        subject, text, targets = _read(message)
        assert REORDER in targets, subject
        assert ORDER_PAGE not in targets, subject  # the cancelled order's page sells nothing
        assert REORDER in _text_targets(text) and ORDER_PAGE not in _text_targets(text)
    labels = ["Put them back in my cart", "Put them back in my cart", "Use my discount"]
    assert [_button(message, label) for message, label in zip(smtp.messages, labels, strict=True)] == [
        (REORDER, REORDER)
    ] * 3
    texts = [_read(message)[1] for message in smtp.messages]
    assert "Reply to this email" in texts[0]


def test_without_a_reorder_url_the_buttons_go_to_the_shop(scenarios, clock, smtp):
    scenarios("cancelled_order")
    _cancel(clock)
    for delay in ({"minutes": 61}, {"days": 1, "minutes": 1}):
        clock.tick(**delay)
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        subject, text, targets = _read(message)
        assert ORDER_PAGE not in targets and ORDER_PAGE not in _text_targets(text), subject
        assert "Put them back" not in text
        assert _button(message, "Go to the shop") == (SHOP, SHOP)


def test_a_reorder_url_is_checked_like_every_link_from_event_data(db, caplog):
    with caplog.at_level(logging.WARNING, logger="wagtail_triggers.payloads"):
        event = record_event(
            "order_cancelled",
            email="anna@example.com",
            data={**order_payload("o1"), "reorder_url": "https://evil.example/r"},
        )
    assert event.data["reorder_url"] == ""  # dropped, logged: the letters then go to the shop
    assert "reorder_url" in caplog.text
    with pytest.raises(InvalidEvent, match="reorder_url must be an absolute http"):
        record_event("order_cancelled", email="anna@example.com", data={**order_payload("o2"), "reorder_url": "/r/o2/"})


def test_the_adapters_send_a_reorder_url_where_the_shop_has_one(settings):
    saleor_order = {"id": "T3JkZXI6MQ==", "number": "1007", "lines": [], "total": {"gross": {"currency": "EUR"}}}
    assert saleor_order_data(saleor_order)["reorder_url"] == ""  # Saleor itself has none
    settings.TRIGGERS_SALEOR_REORDER_URL = "https://shop.example/reorder/{number}/"
    assert saleor_order_data(saleor_order)["reorder_url"] == "https://shop.example/reorder/1007/"
    receivers = pytest.importorskip("wagtail_triggers.contrib.oscar.receivers")
    order = SimpleNamespace(number="100042", pk=42)
    assert receivers.reorder_url(order) == ""  # Oscar's own re-order is a POST a letter cannot make
    settings.TRIGGERS_OSCAR_REORDER_URL = "/basket/reorder/{number}/"
    assert receivers.reorder_url(order) == "https://shop.example/basket/reorder/100042/"


# -- 2. "we are holding your products" only when the shop does ------------------------------


@pytest.mark.parametrize("hold_days", [None, 5])
def test_the_cancelled_order_reserved_letter_promises_a_hold_only_when_the_shop_holds(
    scenarios, clock, smtp, hold_days
):
    [scenario] = scenarios("cancelled_order")
    scenario.settings = {**scenario.settings, "hold_days": hold_days}
    scenario.save()
    _only_step(scenario, "cancelled_order/reserved")
    _cancel(clock, reorder_url=REORDER)
    assert clock.tick(days=1, minutes=1).counts["sent"] == 1
    subject, text, targets = _read(smtp.messages[0])
    if hold_days:
        assert subject == "We've set your products aside"
        assert "we're holding these products for you for 5 days after the cancellation" in text
        assert "can't hold" not in text
    else:
        assert subject == "Still thinking about your products?"
        assert "we can't hold them for you, though, and popular things do sell out" in text
        assert "holding" not in text and "set aside" not in text
    assert REORDER in targets


@pytest.mark.parametrize("hold_days", [None, 2])
def test_the_forgotten_cart_reserved_letter_promises_a_hold_only_when_the_shop_holds(scenarios, clock, smtp, hold_days):
    [scenario] = scenarios("forgotten_cart")
    scenario.settings = {**scenario.settings, "hold_days": hold_days}
    scenario.save()
    _only_step(scenario, "forgotten_cart/reserved")
    record_event("cart_updated", email="anna@example.com", data=cart_payload("c1"), occurred_at=clock.now)
    assert clock.tick(days=1, minutes=1).counts["sent"] == 1
    message = smtp.messages[0]
    _subject, text, _targets = _read(message)
    if hold_days:
        assert "Your cart is reserved" in text
        assert "We're holding everything you picked for 2 days" in text
    else:
        assert "Your cart is saved" in text and "reserved" not in text
        assert "We can't hold the products for you, though, and popular things do sell out." in text
        assert "set aside" not in message.get_body(preferencelist=("html",)).get_content()  # preheader too


def test_the_hold_is_a_scenario_setting_in_the_admin(client, django_user_model, scenarios):
    client.force_login(django_user_model.objects.create_superuser("owner", "owner@example.com", "pw"))
    scenario, followup = scenarios("cancelled_order", "order_followup", enabled=False)
    page = client.get(_edit(scenario)).content.decode()
    assert 'name="hold_days"' in page and "Products held for, days" in page
    response = client.post(_edit(scenario), _settings_form(scenario, hold_days="4"))
    assert response.status_code == 302, _errors(response)
    scenario.refresh_from_db()
    assert scenario.settings["hold_days"] == 4 and scenario.option("hold_days") == 4
    client.post(_edit(scenario), _settings_form(scenario, hold_days=""))
    scenario.refresh_from_db()
    assert scenario.option("hold_days") is None
    # the follow-up shows no products to hold: no such setting
    assert 'name="hold_days"' not in client.get(_edit(followup)).content.decode()


# -- 3. follow-up timing --------------------------------------------------------------------

FOLLOWUP = [
    # (letter, earliest moment after the order, subject)
    ("thanks", timedelta(hours=1), "Thank you for your order #N-o1"),
    ("support", timedelta(days=2, hours=1), "Need a hand with your order?"),
    ("review", timedelta(days=10, hours=1), "Has your order arrived? Tell us how you like it"),
    ("offers", timedelta(days=14, hours=1), None),
    ("next_order", timedelta(days=21, hours=1), "5% off your next order"),
]


def test_the_followup_writes_when_practice_says_and_the_review_asks_if_it_arrived(scenarios, clock, smtp):
    scenarios("order_followup")
    ordered = clock.now
    _complete(clock)
    for name, after, subject in FOLLOWUP:
        clock.now = ordered + after - timedelta(minutes=2)
        assert clock.tick().counts["sent"] == 0, f"{name} came early"
        clock.now = ordered + after + timedelta(minutes=len(smtp.messages))  # each claimed a minute late
        assert clock.tick().counts["sent"] == 1, f"{name} did not come at {after}"
        if subject:
            assert smtp.messages[-1]["Subject"] == subject
    assert clock.tick(days=30).counts["sent"] == 0
    _subject, review, _targets = _read(smtp.messages[2])
    assert "had a bit of use" not in review
    assert "We hope your order has arrived safely" in review
    assert "Still waiting for it, or something isn't right? Reply to this email" in review
    assert "Rate it" in review  # the order's products, each with its review link


def test_new_installs_get_the_new_followup_delays(scenarios):
    [followup] = scenarios("order_followup", enabled=False)
    steps = followup.steps.order_by("position")
    assert [step.delay for step in steps] == [
        timedelta(hours=1),
        timedelta(days=2),
        timedelta(days=8),
        timedelta(days=4),
        timedelta(days=7),
    ]


def test_the_migration_moves_only_steps_still_at_the_old_defaults(scenarios):
    scenario, cancelled = scenarios("order_followup", "cancelled_order", enabled=False)
    scenario.steps.update(delay=timedelta(days=1))  # an install from before: five letters a day apart
    edited = Scenario.objects.create(kind="order_followup", slug="followup-edited", name="Edited")
    for position, key in enumerate(["thanks", "support", "review", "offers", "next_order"], start=1):
        Step.objects.create(
            scenario=edited, position=position, name=key, template_key=f"order_followup/{key}", delay=timedelta(days=1)
        )
    edited.steps.filter(position=3).update(delay=timedelta(days=3))  # the editor moved the review
    edited.steps.filter(position=4).update(template_key="order_followup/my_offers")  # and wrote their own letter
    other_kind = cancelled.steps.get(position=2)

    assert migration.update_followup_delays(django_apps, None) == 8
    days = [step.delay for step in scenario.steps.order_by("position")]
    assert days == [timedelta(hours=1), timedelta(days=2), timedelta(days=8), timedelta(days=4), timedelta(days=7)]
    kept = {step.position: step.delay for step in edited.steps.all()}
    assert kept == {
        1: timedelta(hours=1),
        2: timedelta(days=2),
        3: timedelta(days=3),  # edited: left alone
        4: timedelta(days=1),  # another letter: left alone
        5: timedelta(days=7),
    }
    assert Step.objects.get(pk=other_kind.pk).delay == timedelta(days=1)  # other kinds untouched
    assert migration.update_followup_delays(django_apps, None) == 0  # idempotent
    assert migration.restore_followup_delays(django_apps, None) == 8
    assert set(scenario.steps.values_list("delay", flat=True)) == {timedelta(days=1)}


# -- 4. recommendations in the offers letter -------------------------------------------------

PICKS = [
    {
        "product_id": "p9",
        "name": "Oak bread board",
        "unit_price": "34.00",
        "image_url": "https://cdn.example/board.png",
        "url": "https://shop.example/p/board/",
    },
    {"name": "Enamel coffee pot", "unit_price": "42.00", "currency": "USD", "url": "https://shop.example/p/pot/"},
]
CALLS: list[dict] = []


def recommend_two(*, contact, order, limit):
    CALLS.append({"contact": contact, "order": order, "limit": limit})
    return PICKS


def recommend_broken(*, contact, order, limit):
    raise RuntimeError("the recommender is down")


def _offers(scenarios, clock, *, also_thanks: bool = False):
    [scenario] = scenarios("order_followup")
    keep = {"order_followup/offers", "order_followup/thanks"} if also_thanks else {"order_followup/offers"}
    scenario.steps.exclude(template_key__in=keep).update(enabled=False)
    return scenario


def _assert_picks_shown(message):
    subject, text, targets = _read(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert subject == "A few things from Test shop picked for you"
    assert "Here are a few we picked for you:" in text
    assert "Oak bread board" in text and "€34.00" in text
    assert "Enamel coffee pot" in text and "$42.00" in text
    assert "https://shop.example/p/board/" in targets and "https://shop.example/p/pot/" in targets
    assert "https://shop.example/p/board/" in _text_targets(text)
    assert "Take a look" in text and "Rate it" not in text  # not the order's own lines
    assert 'src="https://cdn.example/board.png"' in html
    assert "Stoneware mug" not in text


def test_offers_show_the_recommendations_sent_with_the_order(scenarios, clock, smtp, settings):
    settings.TRIGGERS_RECOMMENDATIONS = "tests.test_order_letters.recommend_broken"  # event data wins: not asked
    _offers(scenarios, clock)
    _complete(clock, recommendations=PICKS)
    assert clock.tick(days=4, minutes=1).counts["sent"] == 1
    _assert_picks_shown(smtp.messages[0])


def test_offers_ask_the_shops_recommender_when_the_order_brought_none(scenarios, clock, smtp, settings):
    settings.TRIGGERS_RECOMMENDATIONS = "tests.test_order_letters.recommend_two"
    CALLS.clear()
    _offers(scenarios, clock, also_thanks=True)
    _complete(clock)
    assert clock.tick(minutes=61).counts["sent"] == 1
    assert CALLS == []  # the thanks letter shows no recommendations: the shop's code is not run
    assert clock.tick(days=4, minutes=1).counts["sent"] == 1
    [call] = CALLS
    assert call["contact"] == Contact.objects.get(email="anna@example.com")
    assert call["order"]["id"] == "o1" and call["limit"] == MAX_RECOMMENDATIONS
    _assert_picks_shown(smtp.messages[1])


@pytest.mark.parametrize("recommender", [None, "tests.test_order_letters.recommend_broken"])
def test_offers_without_recommendations_hide_the_block_and_still_read_right(
    scenarios, clock, smtp, settings, caplog, recommender
):
    settings.TRIGGERS_RECOMMENDATIONS = recommender
    _offers(scenarios, clock)
    _complete(clock)
    with caplog.at_level(logging.ERROR, logger="wagtail_triggers.recommendations"):
        assert clock.tick(days=4, minutes=1).counts["sent"] == 1
    subject, text, _targets = _read(smtp.messages[0])
    assert subject == "What's new at Test shop"
    assert "Have a look at what's new in the shop — new things arrive all the time." in text
    assert "picked for you" not in text and "Take a look" not in text and "Rate it" not in text
    assert "Stoneware mug" not in text  # no stand-in: the order's own lines are not offered
    assert _button(smtp.messages[0], "Go to the shop") == (SHOP, SHOP)
    assert ("the recommender is down" in caplog.text) == bool(recommender)


def test_recommendations_are_validated_and_bounded(db):
    too_many = [{"name": f"Product {n}", "url": f"https://shop.example/p/{n}/"} for n in range(MAX_RECOMMENDATIONS + 1)]
    with pytest.raises(InvalidEvent, match=f"at most {MAX_RECOMMENDATIONS} products"):
        record_event(
            "order_completed", email="a@example.com", data={**order_payload("o1"), "recommendations": too_many}
        )
    with pytest.raises(InvalidEvent, match=r"recommendations\[0\]\.name is required"):
        record_event("order_completed", email="a@example.com", data={**order_payload("o2"), "recommendations": [{}]})
    event = record_event(
        "order_completed",
        email="a@example.com",
        data={**order_payload("o3"), "recommendations": [{"name": "Pot", "url": "https://elsewhere.example/pot/"}]},
    )
    assert event.data["recommendations"][0]["url"] == ""  # a foreign host is dropped, the product kept


def test_previews_show_the_new_order_fields(db):
    from wagtail_triggers.context import sample_context

    offers = sample_context("order_followup/offers", "en")
    assert len(offers["recommendations"]) == 3 and offers["recommendations"][0]["unit_price"] > 0
    cancelled = sample_context("cancelled_order/really_cancel", "en")
    assert cancelled["links"]["reorder"].endswith("/reorder/10042/")
    assert cancelled["links"]["cart"] == cancelled["links"]["reorder"]
