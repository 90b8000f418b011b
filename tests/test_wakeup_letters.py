"""Wake-up and hooliganism letters as a customer receives them: spacing, coupons, the real
absence, and the one-click "why did you stop coming?" answers."""

from __future__ import annotations

import html
import importlib
import re
from datetime import timedelta
from itertools import pairwise

import pytest
from django.apps import apps
from django.core import signing
from django.test import Client
from django.utils import timezone

from wagtail_triggers.links import ANSWER_SALT, answer_token
from wagtail_triggers.models import Answer, Delivery, Scenario
from wagtail_triggers.privacy import export_contact, forget_contact
from wagtail_triggers.scenarios.registry import registry
from wagtail_triggers.tracking import read_click_token

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel link scanner)"
INACTIVITY = ("wakeup_90", "hooliganism", "wakeup_180", "wakeup_360")


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return html.unescape(message.get_body(("html",)).get_content())


def _sends(clock, hours: list[float]) -> list[int]:
    """Letters sent at each tick, moving the clock by ``hours`` between ticks."""
    return [clock.tick(hours=step).counts.get("sent", 0) for step in hours]


def test_wakeup_letters_are_days_apart_and_the_first_code_ends_before_the_last_chance(enable, clock, events, smtp):
    enable("wakeup_90")
    events.seen(at=clock.now - timedelta(days=90, minutes=1))
    # hello now; nothing for 4 days; the coupon; nothing for 10 days; the last chance.
    assert _sends(clock, [0, 95.9, 0.2, 239.8, 0.2, 24 * 30]) == [1, 0, 1, 0, 1, 0]
    _hello, coupon, last = smtp.messages
    first_code = Delivery.objects.get(position=2).coupon_code
    assert first_code and first_code in _text(coupon)
    second = Delivery.objects.get(position=3)
    # The reader never holds two live codes: the first one ended days before the last chance came.
    assert Delivery.objects.get(position=2).coupon_expires_at < second.sent_at - timedelta(days=2)
    assert first_code not in _text(last) and second.coupon_code in _text(last)
    assert "8% off" in _text(last) and "5% off" in _text(coupon)


def test_hooliganism_letters_are_days_apart(enable, clock, events, smtp):
    enable("hooliganism")
    events.seen(at=clock.now - timedelta(days=111, minutes=1))
    assert _sends(clock, [0, 71.9, 0.2, 95.8, 0.2, 167.8, 0.2, 24 * 30]) == [1, 0, 1, 0, 1, 0, 1, 0]
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects[2] == "I stole 11% off from the boss. It's yours"
    assert "What have you done" in subjects[3]


def test_every_coupon_of_a_longer_absence_is_at_least_every_coupon_of_a_shorter_one(db):
    kinds = sorted((registry.get(kind) for kind in INACTIVITY), key=lambda kind: kind.days)
    percents = [[s.coupon_percent for s in kind.default_steps if s.coupon_percent] for kind in kinds]
    assert percents == [[5, 8], [11], [12, 15], [20, 25]]
    for shorter, longer in pairwise(percents):
        assert min(longer) >= max(shorter)
    described = str(registry.get("wakeup_180").description)
    assert "12 %" in described and "15 %" in described and "day 4" in described and "day 14" in described
    # Wake-up coupons last a week: over before the last-chance letter, 10 days after the first.
    for kind in kinds:
        steps = list(kind.default_steps)
        for step, following in pairwise(steps):
            if step.coupon_percent and following.coupon_percent:
                assert timedelta(days=step.coupon_valid_days + 1) < following.delay


def test_the_migration_moves_unedited_old_defaults_and_leaves_edited_steps_alone(builtins):
    migration = importlib.import_module("wagtail_triggers.migrations.0011_wakeup_answers")
    old = {"coupon": (timedelta(days=1), 3, 14), "last_chance": (timedelta(days=1), 5, 14)}
    wakeup = Scenario.objects.get(kind="wakeup_90")
    wakeup.description = (
        "For a customer with no visit and no order for 90 days: a friendly hello with no coupon, "
        "then a 3 % coupon, then a 5 % coupon, a day apart."
    )
    wakeup.save()
    for step in wakeup.steps.exclude(coupon_percent=None):
        step.delay, step.coupon_percent, step.coupon_valid_days = old[step.template_key.split("/")[1]]
        step.name = "Купон на 3 %" if step.position == 2 else "Last call!"  # a Russian install; an edited name
        step.save()
    edited = Scenario.objects.get(kind="wakeup_180").steps.get(position=2)
    edited.delay, edited.coupon_percent, edited.coupon_valid_days = timedelta(days=2), 7, 14  # the editor's delay
    edited.save()
    hooliganism = Scenario.objects.get(kind="hooliganism").steps.order_by("position")
    hooliganism.exclude(position=1).update(delay=timedelta(days=1))

    migration.to_new_defaults(apps, None)

    steps = {s.position: s for s in wakeup.steps.all()}
    assert (steps[2].delay, steps[2].coupon_percent, steps[2].coupon_valid_days) == (timedelta(days=4), 5, 7)
    assert (steps[3].delay, steps[3].coupon_percent, steps[3].coupon_valid_days) == (timedelta(days=10), 8, 7)
    assert steps[2].name == "Купон на 5 %" and steps[3].name == "Last call!"
    wakeup.refresh_from_db()
    assert "then coupons for 5 % off on day 4 and 8 % off on day 14" in wakeup.description
    edited.refresh_from_db()
    assert (edited.delay, edited.coupon_percent) == (timedelta(days=2), 7)
    assert [s.delay.days for s in hooliganism] == [0, 3, 4, 7]


def test_the_hooliganism_help_letter_says_the_real_absence(enable, clock, events, smtp):
    enable("hooliganism")
    events.seen(at=clock.now - timedelta(days=115, hours=3))
    clock.tick()
    (help_letter,) = smtp.messages
    assert "You haven't dropped by for 115 days" in _text(help_letter)
    assert "It's been 115 days." in _html(help_letter)  # the preheader
    assert "111" not in _text(help_letter).split("R-111")[0]


def _answer_clicks(message) -> list[tuple[str, str]]:
    """(click link path, the answer URL it leads to) for each answer link of the letter."""
    found = []
    for href in re.findall(r'href="([^"]+)"', _html(message)):
        match = re.search(r"/triggers/c/([^/]+)/$", href)
        if match and "/triggers/a/" in read_click_token(match.group(1))[1]:
            found.append((href.replace("https://shop.example", ""), read_click_token(match.group(1))[1]))
    return found


@pytest.fixture
def hello(enable, clock, events, smtp):
    """The 90-day hello, sent to Anna a minute ago (by the real clock, for the machine check)."""
    enable("wakeup_90")
    events.seen(at=clock.now - timedelta(days=91), customer={"language": "ru"})
    clock.tick()
    Delivery.objects.update(sent_at=timezone.now() - timedelta(minutes=1))
    return smtp.messages[0]


def test_the_90_day_hello_asks_why_and_records_one_click_answers(hello):
    text = _text(hello)
    assert "Too expensive" in text or "Слишком дорого" in text
    clicks = _answer_clicks(hello)
    assert len(clicks) == 5  # one signed answer link per answer, behind the click redirect
    assert len({target for _click, target in clicks}) == 5
    client = Client()
    redirect = client.get(clicks[0][0], HTTP_USER_AGENT=BROWSER)
    assert redirect.status_code == 302 and redirect.url == clicks[0][1]
    delivery = Delivery.objects.get()
    first_key = Answer.objects.get(delivery=delivery).key if Answer.objects.exists() else None
    assert first_key is None  # the click redirect alone records nothing
    page = client.get(redirect.url.replace("https://shop.example", ""), HTTP_USER_AGENT=BROWSER)
    assert page.status_code == 200 and 'lang="ru"' in page.content.decode()
    answer = Answer.objects.get(delivery=delivery)
    assert (answer.contact_id, answer.scenario.kind) == (delivery.contact_id, "wakeup_90")
    # A second click on another answer changes it; the first time is kept.
    later = client.get(f"/triggers/a/{answer_token(delivery.pk, 'busy')}/", HTTP_USER_AGENT=BROWSER)
    assert later.status_code == 200
    changed = Answer.objects.get()
    assert changed.key == "busy" and changed.first_answered_at == answer.first_answered_at


def test_scanners_and_head_requests_record_no_answer_but_a_person_can_confirm(hello):
    delivery = Delivery.objects.get()
    path = f"/triggers/a/{answer_token(delivery.pk, 'too_expensive')}/"
    client = Client()
    scanned = client.get(path, HTTP_USER_AGENT=SCANNER)
    assert scanned.status_code == 200 and "<form" in scanned.content.decode()
    assert client.head(path, HTTP_USER_AGENT=BROWSER).status_code == 200
    assert not Answer.objects.exists()
    Delivery.objects.update(sent_at=timezone.now())  # a "click" seconds after sending is a machine too
    client.get(path, HTTP_USER_AGENT=BROWSER)
    assert not Answer.objects.exists()
    confirmed = client.post(path, HTTP_USER_AGENT=SCANNER)  # the page's button: a person pressed it
    assert confirmed.status_code == 200 and Answer.objects.get().key == "too_expensive"


def test_a_tampered_answer_link_shows_the_invalid_page(hello):
    delivery = Delivery.objects.get()
    good = answer_token(delivery.pk, "busy")
    unknown_key = signing.TimestampSigner(salt=ANSWER_SALT).sign(f"{delivery.pk}.free_money")  # signed, not ours
    for token in (
        "nonsense",
        "1.too_expensive:AAAAAA:forged",
        good + "x",
        good.replace(".busy:", ".other:"),
        unknown_key,
    ):
        response = Client().get(f"/triggers/a/{token}/", HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 400, token
        assert "This link is not valid" in response.content.decode()
    assert not Answer.objects.exists()


def test_answers_are_exported_and_forgotten_with_the_person(hello):
    delivery = Delivery.objects.get()
    Client().get(f"/triggers/a/{answer_token(delivery.pk, 'elsewhere')}/", HTTP_USER_AGENT=BROWSER)
    email = delivery.contact.email
    exported = export_contact(email)["answers"]
    assert [row["key"] for row in exported] == ["elsewhere"]
    report = forget_contact(email)
    assert report.counts["answers"] == 1 and not Answer.objects.exists()
    # A click after forgetting thanks, and records nothing about anyone.
    response = Client().get(f"/triggers/a/{answer_token(delivery.pk, 'busy')}/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200 and not Answer.objects.exists()


def test_the_contact_view_shows_the_answers(hello, admin_client):
    delivery = Delivery.objects.get()
    Client().get(f"/triggers/a/{answer_token(delivery.pk, 'not_found')}/", HTTP_USER_AGENT=BROWSER)
    from django.urls import reverse

    page = admin_client.get(reverse("wagtail_triggers_contacts:inspect", args=[delivery.contact_id]))
    assert "Didn&#x27;t find what I needed" in page.content.decode()


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("owner", "owner@example.com", "pw"))
    return client
