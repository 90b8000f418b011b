"""What a mail server receives (issue 9, headers and text): read from the raw SMTP bytes.

``List-Unsubscribe`` plain (folded at most, never RFC 2047-encoded) on both Django pairs,
``Reply-To``, a random stored ``Message-ID``, ``<html lang>``, a tracked plain-text part with
readable prices, and consent pages in the letter's language.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from wagtail_triggers.admin.testsend import send_test
from wagtail_triggers.dispatch import send_queued
from wagtail_triggers.links import unsubscribe_url
from wagtail_triggers.models import Contact, Delivery, EmailTemplate, Enrollment, Scenario
from wagtail_triggers.samples import sample_commerce
from wagtail_triggers.scenarios import registry
from wagtail_triggers.tracking import read_click_token

ALL_KEYS = [(kind.kind, position, spec.key) for kind in registry for position, spec in enumerate(kind.default_steps, 1)]
LONG_HOST = "mail-links." + "very-long-subdomain-of-the-shop." * 3 + "example"
HEADER_END = b"\r\n\r\n"


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """A test client's Russian Accept-Language leaves Russian active in this thread
    (LocaleMiddleware activates it and nothing resets it); later tests must not inherit it."""
    yield
    translation.deactivate()


# -- reading the wire ------------------------------------------------------------------------


def head_of(raw: bytes) -> bytes:
    return raw.split(HEADER_END, 1)[0] + b"\r\n"


def raw_header(raw: bytes, name: str) -> bytes:
    """The header line(s) as sent, folds included, e.g. ``b"List-Unsubscribe:\\r\\n <https://…>"``."""
    match = re.search(rb"(?:^|\r\n)(" + re.escape(name.encode()) + rb":.*?)\r\n(?![ \t])", head_of(raw), re.S | re.I)
    assert match, f"{name} missing from {head_of(raw)!r}"
    return match.group(1)


def unfolded(header: bytes) -> str:
    """The value, unfolded (RFC 5322: a fold is CRLF before whitespace) — nothing decoded."""
    value = header.split(b":", 1)[1].replace(b"\r\n", b"")
    return value.decode("ascii").strip()


def assert_plain_list_unsubscribe(raw: bytes) -> str:
    header = raw_header(raw, "List-Unsubscribe")
    assert b"=?" not in header, header
    folded_before_url = rb"List-Unsubscribe:[ \t]*(?:\r\n)?[ \t]+<https://[!-=?-~]+>"  # whitespace only
    assert re.fullmatch(folded_before_url, header), header
    assert all(len(line) <= 998 for line in header.split(b"\r\n"))
    assert raw_header(raw, "List-Unsubscribe-Post") == b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    return unfolded(header)[1:-1]


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_part(raw: bytes) -> str:
    return parsed(raw).get_body(preferencelist=("plain",)).get_content()


def html_part(raw: bytes) -> str:
    return parsed(raw).get_body(preferencelist=("html",)).get_content()


def cart_letter(clock, events, smtp, email="anna@example.com", cart_id="c1", **customer) -> bytes:
    events.cart(email=email, cart_id=cart_id, customer={"first_name": "Anna", **customer})
    assert clock.tick(minutes=61).counts["sent"] == 1
    return smtp.raw()[-1]


# -- 1. List-Unsubscribe ---------------------------------------------------------------------


@pytest.mark.parametrize("host", ["shop.example", LONG_HOST])
def test_list_unsubscribe_is_a_plain_url_on_the_wire_and_its_one_click_post_works(
    host, settings, enable, clock, events, smtp
):
    settings.TRIGGERS_BASE_URL = f"https://{host}"
    enable("forgotten_cart")
    raw = cart_letter(clock, events, smtp)
    url = assert_plain_list_unsubscribe(raw)
    assert url.startswith(f"https://{host}/triggers/unsubscribe/")
    if host == LONG_HOST:  # longer than a 78-character line: folded before "<", never encoded
        assert len(url) > 78 and re.match(rb"List-Unsubscribe: ?\r\n <https://", raw_header(raw, "List-Unsubscribe"))
    path = url.split(host, 1)[1]
    response = Client().post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Contact.objects.get(email="anna@example.com").unsubscribed_at is not None


# -- 2. Reply-To -----------------------------------------------------------------------------


REPLY_TO_CASES = [
    # (site settings, the scenario's reply_to, Reply-To on the wire)
    ({"TRIGGERS_SUPPORT_EMAIL": "help@shop.example"}, "", b"Reply-To: Test shop <help@shop.example>"),
    (
        {"TRIGGERS_SUPPORT_EMAIL": "help@shop.example", "TRIGGERS_REPLY_TO": "answers@shop.example"},
        "",
        b"Reply-To: Test shop <answers@shop.example>",
    ),
    ({"TRIGGERS_REPLY_TO": "answers@shop.example"}, "carts@shop.example", b"Reply-To: Test shop <carts@shop.example>"),
    ({"TRIGGERS_SUPPORT_EMAIL": "help@shop.example", "TRIGGERS_REPLY_TO": ""}, "", None),
]


def test_reply_to_comes_from_the_scenario_else_the_site(settings, enable, clock, events, smtp):
    [scenario] = enable("forgotten_cart")
    for number, (site, scenario_reply_to, expected) in enumerate(REPLY_TO_CASES):
        settings.TRIGGERS_SUPPORT_EMAIL, settings.TRIGGERS_REPLY_TO = "", None
        for name, value in site.items():
            setattr(settings, name, value)
        Scenario.objects.filter(pk=scenario.pk).update(reply_to=scenario_reply_to)
        events.cart(email=f"customer{number}@example.com", cart_id=f"c{number}")
        assert clock.tick(minutes=61).counts["sent"] == 1
        raw = smtp.raw()[-1]
        if expected is None:
            assert b"\r\nReply-To:" not in head_of(raw), site
        else:
            assert raw_header(raw, "Reply-To") == expected, site


def test_a_test_letter_goes_out_with_the_same_headers(settings, builtins, django_user_model, smtp):
    settings.TRIGGERS_SUPPORT_EMAIL = "help@shop.example"
    Scenario.objects.filter(kind="forgotten_cart").update(reply_to="carts@shop.example")
    owner = django_user_model.objects.create_superuser("owner", "owner@example.com", "pw")
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    assert send_test(letter, ["owner@example.com"], user=owner) == 1
    [raw] = smtp.raw()
    assert raw_header(raw, "Reply-To") == b"Reply-To: Test shop <carts@shop.example>"
    assert raw_header(raw, "X-Triggers-Test") == b"X-Triggers-Test: 1"
    assert_plain_list_unsubscribe(raw)
    assert re.fullmatch(r"<[0-9a-f]{32}@shop\.example>", unfolded(raw_header(raw, "Message-ID")))


def test_the_scenario_page_shows_sender_reply_to_and_postal_address(settings, builtins, django_user_model, client):
    settings.TRIGGERS_SUPPORT_EMAIL = "help@shop.example"
    client.force_login(django_user_model.objects.create_superuser("owner", "owner@example.com", "pw"))
    scenario = Scenario.objects.get(kind="forgotten_cart")
    page = client.get(f"/admin/trigger-emails/scenarios/edit/{scenario.pk}/").content.decode()
    assert "Test shop &lt;shop@example.com&gt;" in page and "Test shop &lt;help@shop.example&gt;" in page
    assert "Not set: marketing letters must show the shop's postal address." in page
    assert 'name="reply_to"' in page and 'placeholder="help@shop.example"' in page

    settings.TRIGGERS_SHOP_ADDRESS = "Larder & Linen, 12 Quay Street, Bristol BS1 4DJ"
    Scenario.objects.filter(pk=scenario.pk).update(reply_to="carts@shop.example", from_name="Anna at Larder")
    page = client.get(f"/admin/trigger-emails/scenarios/edit/{scenario.pk}/").content.decode()
    assert "Anna at Larder &lt;shop@example.com&gt;" in page and "Anna at Larder &lt;carts@shop.example&gt;" in page
    assert "Larder &amp; Linen, 12 Quay Street, Bristol BS1 4DJ" in page and "Not set:" not in page


# -- 3. Message-ID ---------------------------------------------------------------------------


def test_message_ids_are_random_stored_reused_by_a_retry_and_on_the_wire(enable, clock, events, smtp):
    enable("forgotten_cart")
    events.cart(email="anna@example.com", cart_id="c1")
    events.cart(email="boris@example.com", cart_id="c2")
    smtp.on_rcpt("boris@example.com", "451 4.3.0 Try again later")  # Boris's letter waits once
    assert clock.tick(minutes=61).counts["sent"] == 1
    anna, boris = Delivery.objects.order_by("contact__email")
    assert boris.status == Delivery.Status.QUEUED and boris.message_id  # drawn before the first attempt
    first_try = boris.message_id
    assert clock.tick(minutes=5).counts["sent"] == 1
    boris.refresh_from_db()
    assert boris.status == Delivery.Status.SENT and boris.message_id == first_try  # the retry reuses it
    on_wire = {unfolded(raw_header(raw, "Message-ID")) for raw in smtp.raw()}
    assert on_wire == {anna.message_id, boris.message_id} and anna.message_id != boris.message_id
    for delivery in (anna, boris):  # 128 random bits at the shop's host: no counter, no time, no pid
        assert re.fullmatch(r"<[0-9a-f]{32}@shop\.example>", delivery.message_id)
        assert Delivery.objects.get(message_id=delivery.message_id) == delivery  # traceable


def test_a_delivery_queued_before_the_upgrade_gets_a_random_id_and_one_already_tried_keeps_its_own(
    enable, clock, events, smtp
):
    enable("forgotten_cart")
    events.cart(email="anna@example.com", cart_id="c1")
    events.cart(email="boris@example.com", cart_id="c2")
    smtp.refuse_with = "451 4.3.0 Try again later"
    assert clock.tick(minutes=61).counts["postponed"] == 2
    # What an older version left behind: a row never tried (no id) and a retry with its old id.
    old = Delivery.objects.get(contact__email="boris@example.com")
    Delivery.objects.filter(contact__email="anna@example.com").update(message_id="")
    Delivery.objects.filter(pk=old.pk).update(message_id=f"<wagtail-triggers.{old.pk}@shop.example>")
    smtp.refuse_with = None
    assert clock.tick(minutes=5).counts["sent"] == 2
    ids = {unfolded(raw_header(raw, "Message-ID")) for raw in smtp.raw()}
    fresh = Delivery.objects.get(contact__email="anna@example.com").message_id
    assert ids == {fresh, f"<wagtail-triggers.{old.pk}@shop.example>"}
    assert re.fullmatch(r"<[0-9a-f]{32}@shop\.example>", fresh)


# -- 4. <html lang> --------------------------------------------------------------------------


def test_html_lang_is_the_letters_language(enable, clock, events, smtp):
    enable("forgotten_cart")
    for language in ("en", "ru"):
        html = html_part(cart_letter(clock, events, smtp, f"{language}@example.com", language, language=language))
        assert f'<html lang="{language}" xml:lang="{language}" dir="ltr"' in html
        assert f'role="article" lang="{language}" dir="ltr"' in html and 'lang="und"' not in html


def test_an_editors_letter_in_another_language_says_so(settings, enable, clock, events, smtp):
    settings.LANGUAGES = [("en", "English"), ("ru", "Русский"), ("de", "Deutsch")]
    settings.TRIGGERS_LANGUAGES = ["en", "ru", "de"]
    english = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    body = english.body.replace("<mjml>", '<mjml lang="und" dir="auto">', 1)
    EmailTemplate.objects.create(
        key=english.key, language="de", name="Erinnerung", subject="Ihr Warenkorb wartet", body=body, live=True
    )
    enable("forgotten_cart")
    raw = cart_letter(clock, events, smtp, language="de")
    assert parsed(raw)["Subject"] == "Ihr Warenkorb wartet"
    html = html_part(raw)
    assert '<html lang="de" xml:lang="de" dir="ltr"' in html and 'lang="und"' not in html


# -- 5. the plain-text part ------------------------------------------------------------------


def test_text_part_links_are_tracked_like_the_html_ones_and_prices_read_apart(enable, clock, events, smtp):
    enable("forgotten_cart")
    text = text_part(cart_letter(clock, events, smtp))
    targets = {}
    for url in re.findall(r"https://shop\.example/triggers/c/([^/\s)]+)/", text):
        targets[read_click_token(url)[1]] = url
    assert {"https://shop.example/cart/c1/", "https://shop.example/p/1/", "https://shop.example/p/2/"} <= set(targets)
    assert "https://shop.example/cart/c1/" not in text.replace("/triggers/c/", "")  # no raw shop link left
    assert re.search(r"Unsubscribe \(https://shop\.example/triggers/unsubscribe/[^)]+/\)", text)  # not tracked
    assert re.search(r"Email preferences \(https://shop\.example/triggers/preferences/[^)]+/\)", text)
    assert "2 × €14.90 = €29.80" in text and "1 × €32.00 = €32.00" in text
    assert "Total €61.80" in text


def test_text_part_links_stay_plain_when_clicks_are_not_counted(enable, clock, events, smtp):
    [scenario] = enable("forgotten_cart")
    Scenario.objects.filter(pk=scenario.pk).update(track_clicks=False)
    text = text_part(cart_letter(clock, events, smtp, language="ru"))
    assert "/triggers/c/" not in text and "(https://shop.example/cart/c1/)" in text
    assert "2 × 14,90\xa0€ = 29,80\xa0€" in text


# -- 6. consent pages in the letter's language -----------------------------------------------


def test_consent_pages_speak_the_letters_language_not_the_browsers(enable, clock, events, smtp):
    enable("forgotten_cart")
    cases = [("ru", "en", "Отписаться", "Вы отписались"), ("en", "ru", "Stop these letters?", "You are unsubscribed")]
    for language, browser, heading, done in cases:
        raw = cart_letter(clock, events, smtp, f"{language}@example.com", language, language=language)
        path = assert_plain_list_unsubscribe(raw).removeprefix("https://shop.example")
        reader = Client(HTTP_ACCEPT_LANGUAGE=browser)
        page = reader.get(path)
        assert page["Content-Language"] == language and f'<html lang="{language}"' in page.content.decode()
        assert heading in page.content.decode()
        preferences = re.search(r"https://shop\.example(/triggers/preferences/[^)\s]+/)", text_part(raw)).group(1)
        assert f'<html lang="{language}"' in reader.get(preferences).content.decode()
        answer = Client(HTTP_ACCEPT_LANGUAGE=browser).post(path, {"List-Unsubscribe": "One-Click"})  # one-click
        assert answer["Content-Language"] == language and done in answer.content.decode()
        assert Contact.objects.get(email=f"{language}@example.com").unsubscribed_at is not None


def test_the_pages_follow_the_language_the_letter_was_sent_in(enable, clock, events, smtp, settings):
    enable("forgotten_cart")
    cart_letter(clock, events, smtp, language="ru")
    contact, delivery = Contact.objects.get(), Delivery.objects.get()
    assert delivery.language == "ru"
    Contact.objects.filter(pk=contact.pk).update(language="en")  # changed since: the letter was Russian
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(unsubscribe_url(contact.pk, delivery.pk).split("shop.example")[1])
    assert page["Content-Language"] == "ru"
    # An expired link still names its contact: its page is in their language too.
    settings.TRIGGERS_UNSUBSCRIBE_MAX_AGE = timedelta(seconds=-1)
    expired = Client(HTTP_ACCEPT_LANGUAGE="en").get(unsubscribe_url(contact.pk).split("shop.example")[1])
    assert expired.status_code == 410 and expired["Content-Language"] == "en"
    Contact.objects.filter(pk=contact.pk).update(language="ru")
    expired = Client(HTTP_ACCEPT_LANGUAGE="en").get(unsubscribe_url(contact.pk).split("shop.example")[1])
    assert expired.status_code == 410 and expired["Content-Language"] == "ru"
    tampered = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/triggers/unsubscribe/not-a-token/")
    assert tampered.status_code == 400 and tampered["Content-Language"] == "ru"  # nobody known: the browser's


# -- every shipped letter in both languages --------------------------------------------------


def test_every_shipped_letter_in_both_languages_goes_out_right(settings, builtins, clock, smtp):
    """24 letters × en/ru composed and sent by the real pipeline in one tick, then read raw:
    the headers, ``lang``, the postal address, dark-mode styles and, in coupon letters, a code
    valid through the whole printed day in the contact's time zone."""
    settings.TRIGGERS_SUPPORT_EMAIL = "help@shop.example"
    settings.TRIGGERS_SHOP_ADDRESS = "12 Example Lane, Bristol BS1 4AA"
    zones = {"en": "America/Los_Angeles", "ru": "Asia/Vladivostok"}  # far from UTC on both sides
    settings.TRIGGERS_MAX_LETTERS_PER_DAY = 0
    now = timezone.now()
    expected = {}
    for kind_name, position, key in ALL_KEYS:
        scenario = Scenario.objects.get(kind=kind_name)
        if not scenario.enabled:
            scenario.set_enabled(True, now=now - timedelta(days=1))
            Scenario.objects.filter(pk=scenario.pk).update(send_from=None, send_until=None)
        subject_type = scenario.kind_class.subject_type
        snapshot = {subject_type: sample_commerce(subject_type)} if subject_type else {}
        for language in ("en", "ru"):
            address = f"{key.replace('/', '.')}.{language}@example.com"
            contact = Contact.objects.create(
                email=address, language=language, first_name="Anna", time_zone=zones[language]
            )
            enrollment = Enrollment.objects.create(
                scenario=scenario,
                contact=contact,
                started_at=now,
                anchor_at=now - timedelta(days=getattr(scenario.kind_class, "days", 0)),
                snapshot=snapshot,
                subject_id=f"{key}-{language}",
            )
            Delivery.objects.create(
                enrollment=enrollment,
                position=position,
                step=scenario.steps.get(position=position),
                scenario=scenario,
                contact=contact,
                template_key=key,
                due_at=now,
                not_before=now,
            )
            expected[address] = (key, language, scenario.track_clicks)
    report = send_queued(now + timedelta(seconds=1))
    assert report.counts["sent"] == 48, report.counts
    seen_ids = set()
    for raw, envelope in zip(smtp.raw(), smtp.envelopes, strict=True):
        key, language, tracks_clicks = expected[envelope.rcpt_tos[0]]
        assert_plain_list_unsubscribe(raw)
        assert raw_header(raw, "Reply-To") == b"Reply-To: Test shop <help@shop.example>", key
        message_id = unfolded(raw_header(raw, "Message-ID"))
        assert re.fullmatch(r"<[0-9a-f]{32}@shop\.example>", message_id) and message_id not in seen_ids
        seen_ids.add(message_id)
        html = html_part(raw)
        assert f'<html lang="{language}" xml:lang="{language}" dir="ltr"' in html, (key, language)
        text = text_part(raw)
        assert ("/triggers/c/" in text) == tracks_clicks, key  # text links counted like HTML ones
        assert "12 Example Lane, Bristol BS1 4AA" in text and "12 Example Lane, Bristol BS1 4AA" in html, key
        assert '<meta name="color-scheme" content="light dark"' in html and "prefers-color-scheme: dark" in html
        delivery = Delivery.objects.get(to_email=envelope.rcpt_tos[0])
        if delivery.coupon_code:
            local = timezone.localtime(delivery.coupon_expires_at, ZoneInfo(zones[language]))
            assert (local.hour, local.minute, local.second) == (23, 59, 59), (key, local)
            with translation.override(language):
                printed = date_format(local.date(), "DATE_FORMAT")
            assert delivery.coupon_code in text and printed in " ".join(text.split()), (key, printed)
    assert seen_ids == set(Delivery.objects.values_list("message_id", flat=True))
