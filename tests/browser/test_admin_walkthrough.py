"""A shop owner and an editor in a real browser, from switching a chain on to a test letter.

One walkthrough, in the order people do it: switch the forgotten-cart chain on, break the
reminder letter's MJML and see the error at its line, fix it, preview it on a phone, publish
it, send a test to a loopback SMTP server and read it there; then a real customer goes through
the chain, staff look them up, and the owner narrows the audience. Screenshots of the key screens go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import cart_payload
from wagtail_triggers.engine import tick
from wagtail_triggers.events import record_event
from wagtail_triggers.models import Delivery, EmailTemplate, Enrollment, Scenario
from wagtail_triggers.provisioning import setup_builtins

pytestmark = pytest.mark.browser


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def owner(django_user_model, transactional_db):
    setup_builtins()
    return django_user_model.objects.create_superuser("owner", "owner@example.com", "a-long-password")


def codemirror(page, script, arg=None):
    return page.evaluate(f"(arg) => {{ const cm = document.querySelector('#id_body').codemirror; {script} }}", arg)


def test_owner_and_editor_walkthrough(live_server, page, shot, owner, smtp):
    from playwright.sync_api import expect

    base = live_server.url
    scenario = Scenario.objects.get(kind="forgotten_cart")
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    login(page, base)

    # 1. The owner switches the forgotten-cart chain on from the listing.
    page.goto(base + reverse("wagtail_triggers_scenarios:index"))
    expect(page.get_by_role("link", name="Forgotten cart")).to_be_visible()
    shot(page, "01-scenarios-off")
    page.locator(f'[data-triggers-switch="{scenario.pk}"] .switch__toggle').click()
    expect(page.get_by_text("'Forgotten cart' is on.")).to_be_visible()
    scenario.refresh_from_db()
    assert scenario.enabled and scenario.enabled_at is not None
    shot(page, "02-scenario-switched-on")

    # 2. The editor opens the reminder and breaks its MJML.
    edit_url = base + reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[letter.pk])
    page.goto(edit_url)
    page.wait_for_function("document.querySelector('#id_body').codemirror")
    original = codemirror(page, "return cm.getValue();")
    # The letter reads in its own words: the shipped {% translate %} tags are shown as text.
    assert "Back to my cart" in original and '{% translate "Back to my cart" %}' not in original
    stored_body = letter.body
    broken = original.replace("<mj-button ", "<mj-buton ", 1)
    error_line = next(n for n, line in enumerate(broken.splitlines(), start=1) if "<mj-buton" in line)
    codemirror(page, "cm.setValue(arg);", broken)
    page.locator("footer button.action-save:not([name])").click()
    body_panel = page.locator("#panel-body-content")
    expect(body_panel).to_contain_text("Unknown MJML tag <mj-buton>")
    expect(body_panel).to_contain_text(f"(line {error_line})")
    page.wait_for_function("document.querySelector('#id_body').codemirror")
    highlighted = codemirror(
        page,
        "const lines = []; cm.eachLine(h => { if ((h.bgClass || '').includes('w-triggers-error-line')) lines.push(cm.getLineNumber(h) + 1); }); return lines;",
    )
    assert highlighted == [error_line]
    page.locator(".w-triggers-error-line").first.scroll_into_view_if_needed()
    shot(page, "03-letter-mjml-error")
    letter.refresh_from_db()
    assert letter.body == stored_body and "<mj-buton" not in letter.latest_revision.content["body"]

    # 3. The editor fixes it, adds the customer's name to the subject, previews it on a phone.
    fixed = original.replace("Back to my cart", "Back to my basket")
    codemirror(page, "cm.setValue(arg);", fixed)
    subject = page.locator("#id_subject")
    subject.click()
    subject.press("End")
    subject.type(", ")
    page.select_option('select[data-triggers-insert-into="id_subject"]', "{{ contact.first_name }}")
    expect(subject).to_have_value("You left something in your cart, {{ contact.first_name }}")
    page.locator('[data-side-panel-toggle="preview"]').click()
    mobile = page.locator("label.w-preview__size-button", has=page.locator('input[value="mobile"]'))
    mobile.click()
    expect(mobile.locator("input")).to_be_checked()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_text("Back to my basket")).to_be_visible(timeout=15_000)
    expect(preview.get_by_text("Stoneware mug").first).to_be_visible()
    width = page.locator("#w-preview-iframe").evaluate("el => el.getBoundingClientRect().width")
    assert width < 500
    shot(page, "04-letter-preview-mobile")

    # 4. Publishing makes the fixed letter live.
    page.locator("footer .w-dropdown__toggle").click()
    page.locator('footer button[name="action-publish"]').click()
    expect(page.get_by_text("published")).to_be_visible()
    letter.refresh_from_db()
    assert letter.live and "Back to my basket" in letter.body
    assert letter.subject.endswith("{{ contact.first_name }}")

    # 5. "Send a test" to the editor and a colleague: it arrives, marked, and counts nowhere.
    page.goto(edit_url)
    page.get_by_role("button", name="Actions", exact=True).click()
    page.get_by_role("link", name="Send a test").click()
    page.fill("#id_addresses", "colleague@example.com")
    shot(page, "05-send-test")
    page.get_by_role("button", name="Send the test").click()
    expect(page.get_by_text("Test letter sent to owner@example.com, colleague@example.com")).to_be_visible()
    assert wait_for(lambda: len(smtp.messages) == 2)
    recipients = sorted(message["To"] for message in smtp.messages)
    assert recipients == ["colleague@example.com", "owner@example.com"]
    test_letter = smtp.messages[0]
    assert test_letter["Subject"] == "[TEST] You left something in your cart, Anna"
    assert test_letter["X-Triggers-Test"] == "1"
    html = test_letter.get_body(("html",)).get_content()
    assert "Back to my basket" in html and "Stoneware mug" in html
    assert not Delivery.objects.exists()

    # 6. A real customer leaves a cart; the chain sends the new reminder; the test is not counted.
    now = timezone.now()
    record_event("cart_updated", email="anna@example.com", data=cart_payload("c-42"), occurred_at=now)
    tick(now)
    tick(now + timedelta(hours=2))
    assert wait_for(lambda: len(smtp.messages) == 3)
    real = smtp.messages[2]
    assert real["To"] == "anna@example.com" and "X-Triggers-Test" not in real
    page.goto(base + reverse("wagtail_triggers_scenarios:index"))
    row = page.locator("tr", has=page.get_by_role("link", name="Forgotten cart"))
    expect(row).to_contain_text("1 enrolled")
    expect(row).to_contain_text("1 letter sent")
    shot(page, "06-scenarios-with-counts")

    # 7. Staff look the customer up and take them out of the chain.
    enrollment = Enrollment.objects.get(contact__email="anna@example.com")
    page.goto(base + reverse("wagtail_triggers_contacts:index"))
    page.get_by_role("link", name="anna@example.com").click()
    expect(page.get_by_text("Forgotten cart").first).to_be_visible()
    shot(page, "07-contact")
    page.get_by_role("link", name="Remove from this chain").click()  # asks first
    expect(page.get_by_text("Remove anna@example.com from the chain “Forgotten cart”?")).to_be_visible()
    page.get_by_role("button", name="Yes, remove from this chain").click()
    expect(page.get_by_text("was removed from 'Forgotten cart'")).to_be_visible()
    enrollment.refresh_from_db()
    assert enrollment.state == Enrollment.State.STOPPED

    # 8. The scenario's settings in plain terms.
    page.goto(base + reverse("wagtail_triggers_scenarios:edit", args=[scenario.pk]))
    page.get_by_role("tab", name="Settings").click()
    expect(page.get_by_text("Who gets it").first).to_be_visible()
    page.select_option("#id_previous_orders", "without")
    page.select_option("#id_send_from", "9")
    page.select_option("#id_send_until", "20")
    shot(page, "08-scenario-settings")
    page.locator("footer button[type=submit]").first.click()
    expect(page.get_by_text("'Forgotten cart' updated.")).to_be_visible()
    scenario.refresh_from_db()
    assert scenario.previous_orders == "without" and scenario.send_window == (9, 20)
    assert scenario.steps.count() == 3  # the untouched "add a letter" row added nothing


def _choose_customer(page, field: str, query: str) -> None:
    """Open the chooser of ``field``, search for ``query`` and pick the first customer found."""
    page.locator(f"#{field}-chooser .unchosen [data-chooser-action-choose]").click()
    modal = page.locator(".modal-dialog")
    modal.locator("input[name=q]").fill(query)
    modal.locator("a[data-chooser-modal-choice]").first.click()
    modal.wait_for(state="hidden")


def test_preview_and_test_letter_as_a_chosen_customer(live_server, page, shot, owner, smtp):
    """Preview as → Choose a customer: the preview shows that customer's name and cart, and
    the sample again once the choice is cleared, without typing anything in the letter.
    Send a test → Fill in as: the test letter carries that customer's data."""
    from playwright.sync_api import expect

    base = live_server.url
    payload = cart_payload("c-77")
    payload["lines"][0]["name"] = "Walnut cutting board"
    record_event("cart_updated", email="zelda@example.com", customer={"first_name": "Zelda"}, data=payload)
    tick(timezone.now())  # the event makes Zelda a contact
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    login(page, base)
    page.goto(base + reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[letter.pk]))
    page.locator('[data-side-panel-toggle="preview"]').click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_text("Stoneware mug").first).to_be_visible(timeout=15_000)
    expect(preview.get_by_text("Anna").first).to_be_visible()

    _choose_customer(page, "id_preview_contact", "zelda")
    expect(page.locator("#id_preview_contact-chooser")).to_contain_text("zelda@example.com")
    # Within Wagtail's preview debounce, well before its 10 s wait for a scroll position.
    expect(preview.get_by_text("Walnut cutting board").first).to_be_visible(timeout=8_000)
    expect(preview.get_by_text("Zelda").first).to_be_visible()
    shot(page, "09-preview-as-customer")

    chooser = page.locator("#id_preview_contact-chooser")
    chooser.get_by_role("button", name="Actions").click()
    chooser.locator("[data-chooser-action-clear]").click()
    expect(preview.get_by_text("Anna").first).to_be_visible(timeout=8_000)
    expect(preview.get_by_text("Walnut cutting board")).to_have_count(0)

    # ⋯ → Send a test → "Fill in as" the same customer: the test letter carries her data.
    page.get_by_role("button", name="Actions", exact=True).click()
    page.get_by_role("link", name="Send a test").click()
    _choose_customer(page, "id_contact", "zelda")
    expect(page.locator("#id_contact-chooser")).to_contain_text("zelda@example.com")
    page.get_by_role("button", name="Send the test").click()
    expect(page.get_by_text("Test letter sent to owner@example.com")).to_be_visible()
    assert wait_for(lambda: len(smtp.messages) == 1)
    html = smtp.messages[0].get_body(("html",)).get_content()
    assert "Walnut cutting board" in html and "Zelda" in html and "Anna" not in html


def test_a_russian_letter_is_edited_in_russian(live_server, page, shot, owner):
    """The Russian letter's editor shows the Russian wording, not the shipped English msgids;
    a changed phrase is saved as Russian text and previewed as such."""
    from playwright.sync_api import expect

    base = live_server.url
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="ru")
    login(page, base)
    page.goto(base + reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[letter.pk]))
    page.wait_for_function("document.querySelector('#id_body').codemirror")
    body = codemirror(page, "return cm.getValue();")
    assert "Вернуться в корзину" in body and "{% translate" not in body and "Back to my cart" not in body
    expect(page.locator("#id_subject")).to_have_value("Вы кое-что оставили в корзине")
    codemirror(page, "cm.setValue(arg);", body.replace("Вернуться в корзину", "Вернуться к покупкам"))
    page.locator('[data-side-panel-toggle="preview"]').click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_text("Вернуться к покупкам")).to_be_visible(timeout=15_000)
    shot(page, "10-russian-letter-in-russian")
    page.locator("footer button.action-save:not([name])").click()

    def saved_body() -> str:
        return EmailTemplate.objects.get(pk=letter.pk).get_latest_revision_as_object().body

    assert wait_for(lambda: "Вернуться к покупкам" in saved_body())
    assert '{% translate "Back to my cart" %}' not in saved_body()
