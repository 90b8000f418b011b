"""Coupons that tell the truth: valid through the printed day in the contact's time zone, a
replacing code named in the letter, a redeemed coupon recorded and counted."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from wagtail_triggers import coupons
from wagtail_triggers.coupons import find_valid_coupon
from wagtail_triggers.events import InvalidEvent, record_event
from wagtail_triggers.models import Contact, Delivery, IssuedCoupon

from .conftest import order_payload

ZONES = [
    ("utc@example.com", "UTC", "en"),
    ("moscow@example.com", "Europe/Moscow", "ru"),
    ("la@example.com", "America/Los_Angeles", "en"),
    ("kiritimati@example.com", "Pacific/Kiritimati", "en"),
]


def _text_part(message) -> str:
    return message.get_body(("plain",)).get_content()


def _to(inbox, email: str) -> list:
    return [m for m in inbox.messages if m["To"] == email]


def _at_next(clock, hour: int, minute: int) -> datetime:
    """The clock moved to the next day's hh:mm UTC (after the scenarios were switched on)."""
    day = (clock.now + timedelta(days=1)).date()
    clock.now = datetime.combine(day, time(hour, minute), tzinfo=UTC)
    return clock.now


def _coupon_letters_at_10_03_utc(clock, events) -> datetime:
    """Forgotten carts whose coupon letter (the third) goes out at 10:03 UTC."""
    _at_next(clock, 9, 3)
    for email, zone, language in ZONES:
        events.cart(email=email, customer={"time_zone": zone, "language": language})
    clock.tick(hours=1)
    clock.tick(days=1)
    clock.tick(days=1)
    return clock.now


def test_a_coupon_is_valid_through_the_printed_day_in_the_contacts_time_zone(enable, clock, events, smtp):
    enable("forgotten_cart")
    sent_at = _coupon_letters_at_10_03_utc(clock, events)
    assert sent_at.time() == time(10, 3)
    today = sent_at.date()
    for email, zone_name, language in ZONES:
        zone = ZoneInfo(zone_name)
        # 10:03 UTC is already tomorrow in Kiritimati (UTC+14): seven days from the local today.
        printed = timezone_date(sent_at, zone) + timedelta(days=7)
        assert (printed - today).days == (8 if zone_name == "Pacific/Kiritimati" else 7)
        *_chain, letter = _to(smtp, email)
        with translation.override(language):
            shown = date_format(printed, "DATE_FORMAT")
        assert shown in _text_part(letter), (zone_name, shown)
        with translation.override(language):
            day_before = date_format(printed - timedelta(days=1), "DATE_FORMAT")
        html = letter.get_body(("html",)).get_content()
        assert html.count(shown) >= 2 and day_before not in html  # the preheader says the same day
        coupon = IssuedCoupon.objects.get(contact__email=email)
        assert coupon.code in _text_part(letter)
        last_minute = datetime.combine(printed, time(23, 59), tzinfo=zone)
        assert find_valid_coupon(coupon.code.lower(), now=last_minute) == coupon
        assert find_valid_coupon(coupon.code, now=last_minute + timedelta(minutes=2)) is None
        assert coupon.expires_at == datetime.combine(printed, time.max, tzinfo=zone)
        assert Delivery.objects.get(coupon_code=coupon.code).coupon_expires_at == coupon.expires_at


def timezone_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


received: list[dict] = []


def shop_voucher(*, contact, percent, expires_at):
    """A custom provider, as a shop with its own vouchers writes one."""
    received.append({"email": contact.email, "expires_at": expires_at})
    return f"SHOP-{len(received)}"


def shop_voucher_replace(*, code, replaced_by, contact, at):
    received.append({"replaced": code, "by": replaced_by, "at": at})


shop_voucher.replace = shop_voucher_replace


def test_a_custom_provider_gets_the_end_of_the_printed_day(enable, clock, events, settings, smtp):
    settings.TRIGGERS_COUPON_PROVIDER = shop_voucher
    received.clear()
    enable("cancelled_order")
    _at_next(clock, 8, 3)
    events.cancel(email="la@example.com", customer={"time_zone": "America/Los_Angeles"})
    clock.tick(hours=1)
    clock.tick(days=1)
    clock.tick(days=1)  # the coupon letter: 10:03 UTC, 02:03 in Los Angeles
    [issued] = received
    zone = ZoneInfo("America/Los_Angeles")
    printed = clock.now.astimezone(zone).date() + timedelta(days=7)
    assert issued["expires_at"] == datetime.combine(printed, time.max, tzinfo=zone)
    letter = _to(smtp, "la@example.com")[-1]
    assert "SHOP-1" in _text_part(letter) and date_format(printed, "DATE_FORMAT") in _text_part(letter)


def test_an_unknown_time_zone_falls_back_to_the_sites(db, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    contact = Contact(pk=1, email="x@example.com", time_zone="Mars/Olympus_Mons")
    assert coupons.contact_zone(contact) == ZoneInfo("Europe/Berlin")


def _wakeup_letters(clock, events, smtp, count: int) -> list:
    for _day in range(40):
        if len(smtp.messages) >= count:
            break
        clock.tick(days=1)
    return smtp.messages


def _long_first_coupon(scenario) -> None:
    """An editor lets the first code of the chain run past the "last chance" letter."""
    scenario.steps.filter(position=2).update(coupon_valid_days=30)


def test_a_later_coupon_names_the_code_it_replaces_and_the_earlier_one_ends(enable, clock, events, smtp):
    [scenario] = enable("wakeup_180")
    _long_first_coupon(scenario)
    events.seen(at=clock.now - timedelta(days=181))
    clock.tick()
    _hello, first, last = _wakeup_letters(clock, events, smtp, 3)
    old = Delivery.objects.get(position=2)
    new = Delivery.objects.get(position=3)
    assert old.coupon_expires_at > new.sent_at  # the first code still worked when the second came
    assert old.coupon_code in _text_part(first) and "replaces" not in _text_part(first)
    text = " ".join(_text_part(last).split())
    assert new.coupon_code in text
    assert f"This code replaces your earlier code {old.coupon_code}, which no longer works." in text
    assert f"replaces your earlier code {old.coupon_code}" in last.get_body(("html",)).get_content()
    stored = IssuedCoupon.objects.get(code=old.coupon_code)
    assert stored.replaced_by.code == new.coupon_code and stored.expires_at <= new.sent_at
    assert find_valid_coupon(old.coupon_code, now=new.sent_at) is None
    assert find_valid_coupon(new.coupon_code, now=new.sent_at) is not None


def test_a_custom_provider_is_told_which_code_was_replaced(enable, clock, events, settings):
    settings.TRIGGERS_COUPON_PROVIDER = "tests.test_coupons.shop_voucher"
    received.clear()
    [scenario] = enable("wakeup_180")
    _long_first_coupon(scenario)
    events.seen(at=clock.now - timedelta(days=181))
    clock.tick()
    for _day in range(40):
        if Delivery.objects.filter(status="sent").count() == 3:
            break
        clock.tick(days=1)
    replaced = [item for item in received if "replaced" in item]
    assert replaced == [{"replaced": "SHOP-1", "by": "SHOP-2", "at": replaced[0]["at"]}]


# -- redemption ---------------------------------------------------------------------------------------


def _issued(code: str, **extra) -> IssuedCoupon:
    contact = Contact.objects.get_or_create(email="anna@example.com")[0]
    expires = datetime(2100, 1, 1, tzinfo=UTC)
    return IssuedCoupon.objects.create(code=code, contact=contact, percent=5, expires_at=expires, **extra)


def test_an_order_with_the_code_marks_the_coupon_redeemed_once(builtins, clock, events, caplog):
    coupon = _issued("ABCD-EFGH-5")
    record_event(
        "order_completed",
        email="anna@example.com",
        data={**order_payload("o1"), "coupon_codes": [" abcd-efgh-5 ", "SHOPWIDE10"]},
        occurred_at=clock.now,
    )
    clock.tick()
    coupon.refresh_from_db()
    assert (coupon.redeemed_at, coupon.order_id) == (clock.now, "o1")
    assert find_valid_coupon("ABCD-EFGH-5", now=clock.now) is None

    later = clock.advance(days=1)
    record_event(
        "order_completed",
        email="anna@example.com",
        data={**order_payload("o2"), "coupon_codes": ["ABCD-EFGH-5"]},
        occurred_at=later,
    )
    with caplog.at_level(logging.WARNING, logger="wagtail_triggers.coupons"):
        clock.tick()
    coupon.refresh_from_db()
    assert coupon.order_id == "o1" and coupon.redeemed_at < later
    assert "already redeemed by order 'o1'; order 'o2' used it again" in caplog.text


@pytest.mark.parametrize(
    ("codes", "problem"),
    [
        ("ABCD", "coupon_codes must be a list"),
        (["A"] * 21, "at most 20 coupon codes"),
        (["AB\x00CD"], "coupon_codes[0] contains a NUL character"),
        (["x" * 256], "coupon_codes[0] is longer than 255 characters"),
        ([{"code": "A"}], "coupon_codes[0] must be a string"),
    ],
)
def test_coupon_codes_are_bounded_and_storable(db, codes, problem):
    with pytest.raises(InvalidEvent) as caught:
        record_event("order_completed", email="a@example.com", data={**order_payload(), "coupon_codes": codes})
    assert problem in str(caught.value)


def test_coupon_codes_are_optional_and_deduplicated(db):
    event = record_event(
        "order_completed", email="a@example.com", data={**order_payload(), "coupon_codes": ["A1", "A1", "B2"]}
    )
    assert event.data["coupon_codes"] == ["A1", "B2"]
    assert record_event("order_completed", email="b@example.com", data=order_payload()).data["coupon_codes"] == []


def test_reports_count_redeemed_coupons_per_scenario_and_letter(enable, clock, events, client, django_user_model):
    enable("forgotten_cart")
    for n in range(4):
        events.cart(email=f"c{n}@example.com", cart_id=f"cart{n}")
    clock.tick(hours=1)
    clock.tick(days=1)
    clock.tick(days=1)
    codes = list(IssuedCoupon.objects.order_by("pk").values_list("code", flat=True))
    assert len(codes) == 4
    record_event(
        "order_completed",
        email="c0@example.com",
        data={**order_payload("o1", "cart0"), "coupon_codes": [codes[0]]},
        occurred_at=clock.now,
    )
    clock.tick()
    scenario = Delivery.objects.first().scenario
    now = clock.now
    figures = coupons.redemption_figures(now - timedelta(days=30), now + timedelta(days=1), "scenario_id")
    assert figures == {scenario.pk: {"coupons": 4, "redeemed": 1, "redeemed_rate": 0.25}}

    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    body = client.get(reverse("wagtail_triggers_reports:scenarios")).content.decode()
    assert "Coupons redeemed" in body and "1\u00a0·\u00a025.0%" in body
    body = client.get(reverse("wagtail_triggers_reports:scenario", args=[scenario.pk])).content.decode()
    assert "Coupons issued" in body and "1\u00a0·\u00a025.0%" in body
    csv = client.get(reverse("wagtail_triggers_reports:scenarios"), {"export": "csv"})
    text = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "Coupons redeemed" in text and "Redemption rate" in text
