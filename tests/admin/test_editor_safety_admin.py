"""Editors are not administrators: test letters are no open relay, previews are sandboxed,
active content is stripped on save, and a letter's history shows no customer's address.

Test letters go through the real admin views to a real loopback SMTP server (aiosmtpd),
which counts what arrived.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail_triggers.admin.previews import PREVIEW_CSP
from wagtail_triggers.models import Contact, EmailTemplate
from wagtail_triggers.models.letters import TestSend as SentTestLog

NS = "wagtailsnippets_wagtail_triggers_emailtemplate"
LETTER_PERMISSIONS = ("wagtail_triggers.change_emailtemplate", "wagtail_triggers.view_emailtemplate")


def _url(name, letter):
    return reverse(f"{NS}:{name}", args=[letter.pk])


def _form(letter, **changes):
    data = {"name": letter.name, "subject": letter.subject, "preheader": letter.preheader, "body": letter.body}
    return {**data, **changes}


def _arrived(inbox) -> Counter:
    return Counter(address.lower() for envelope in inbox.envelopes for address in envelope.rcpt_tos)


@pytest.fixture
def editor(client, make_user):
    user = make_user("editor", *LETTER_PERMISSIONS)
    client.force_login(user)
    return user


@pytest.fixture
def unsubscribed_customer(db):
    return Contact.objects.create(email="gone@example.com", first_name="Gone", unsubscribed_at=timezone.now())


# -- test letters: no open relay --------------------------------------------------------------


def test_fifty_posts_send_twenty_letters_none_outside_none_to_the_unsubscribed(
    client, editor, letter, scenario, unsubscribed_customer, smtp
):
    """The issue's attack: 50 POSTs in a burst, with outside and unsubscribed addresses."""
    scenario.test_addresses = "tester@shop.example"
    scenario.save()
    statuses, refused = Counter(), Counter()
    for n in range(50):
        if n % 5 == 0:
            data = {"addresses": "\n".join(f"victim{n}-{k}@outside.example" for k in range(19)), "to_me": "on"}
        elif n % 5 == 1:
            data = {"addresses": "gone@example.com"}
        else:
            data = {"to_me": "on"}
        response = client.post(_url("send_test", letter), data)
        statuses[response.status_code] += 1
        text = response.content.decode() if response.status_code == 200 else ""
        if "not to victim" in text:
            refused["outside"] += 1
        elif "may not be mailed: gone@example.com" in text:
            refused["unsubscribed"] += 1
        elif "test letters per hour" in text:
            refused["limit"] += 1
    arrived = _arrived(smtp)
    assert sum(arrived.values()) == 20
    assert arrived == {"editor@example.com": 20}
    assert sum(count for address, count in arrived.items() if address.endswith("@outside.example")) == 0
    assert arrived["gone@example.com"] == 0
    assert statuses == {302: 20, 200: 30}  # never a 500
    assert refused == {"outside": 10, "unsubscribed": 10, "limit": 10}
    rows = SentTestLog.objects.filter(user=editor)
    assert rows.count() == 20 and sum(row.sent for row in rows) == 20
    assert {tuple(row.recipients) for row in rows} == {("editor@example.com",)}


def test_scenario_test_addresses_and_staff_addresses_are_allowed(client, editor, letter, scenario, make_user, smtp):
    scenario.test_addresses = "Tester@Shop.example"
    scenario.save()
    colleague = make_user("colleague")  # an admin user: staff
    response = client.post(
        _url("send_test", letter), {"to_me": "on", "addresses": f"tester@shop.example\n{colleague.email}"}
    )
    assert response.status_code == 302
    assert _arrived(smtp) == {"editor@example.com": 1, "tester@shop.example": 1, "colleague@example.com": 1}


def test_the_any_address_permission_opens_outside_addresses_but_never_unsubscribed_ones(
    client, make_user, letter, unsubscribed_customer, smtp
):
    user = make_user("manager", *LETTER_PERMISSIONS, "wagtail_triggers.send_test_to_any_address")
    client.force_login(user)
    assert client.post(_url("send_test", letter), {"addresses": "partner@outside.example"}).status_code == 302
    response = client.post(_url("send_test", letter), {"addresses": "partner@outside.example\nGONE@example.com"})
    assert response.status_code == 200
    assert "may not be mailed: gone@example.com" in response.content.decode()
    assert _arrived(smtp) == {"partner@outside.example": 1}


def test_a_suppressed_customer_is_refused_even_when_subscribed(client, editor, letter, scenario, smtp):
    from wagtail_triggers.models import Suppression

    bounced = Contact.objects.create(email="bounced@example.com")
    Suppression.objects.create(contact=bounced, reason=Suppression.Reason.BOUNCED, created_at=timezone.now())
    scenario.test_addresses = "bounced@example.com"
    scenario.save()
    response = client.post(_url("send_test", letter), {"addresses": "bounced@example.com"})
    assert response.status_code == 200 and "may not be mailed: bounced@example.com" in response.content.decode()
    assert _arrived(smtp) == {}


def test_the_limit_is_per_hour_and_per_user(client, editor, letter, make_user, settings, smtp):
    settings.TRIGGERS_TEST_SEND_LIMIT = 3
    for _n in range(3):
        assert client.post(_url("send_test", letter), {"to_me": "on"}).status_code == 302
    over = client.post(_url("send_test", letter), {"to_me": "on"})
    assert over.status_code == 200 and "0 left now" in over.content.decode()
    other = make_user("other", *LETTER_PERMISSIONS)
    client.force_login(other)
    assert client.post(_url("send_test", letter), {"to_me": "on"}).status_code == 302  # someone else's quota
    SentTestLog.objects.filter(user=editor).update(created_at=timezone.now() - timedelta(minutes=61))
    client.force_login(editor)
    assert client.post(_url("send_test", letter), {"to_me": "on"}).status_code == 302  # an hour later
    assert _arrived(smtp) == {"editor@example.com": 4, "other@example.com": 1}


def test_each_send_is_logged_with_user_letter_recipients_and_time(client, editor, letter, smtp):
    before = timezone.now()
    client.post(_url("send_test", letter), {"to_me": "on"})
    row = SentTestLog.objects.get()
    assert (row.user, row.template, row.template_key) == (editor, letter, "forgotten_cart/reminder")
    assert (row.recipients, row.requested, row.sent, row.error) == (["editor@example.com"], 1, 1, "")
    assert row.created_at >= before


# -- previews are sandboxed -------------------------------------------------------------------


def test_every_preview_response_carries_the_sandbox_csp(admin_client, letter):
    preview = _url("preview_on_edit", letter)
    assert admin_client.post(preview, _form(letter)).json()["is_valid"]
    for mode in ("html", "text"):
        response = admin_client.get(preview, {"mode": mode})
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == PREVIEW_CSP
        assert PREVIEW_CSP.startswith("sandbox;") and "script-src" not in PREVIEW_CSP
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_revision_opened_from_the_history_is_sandboxed_too(admin_client, letter):
    admin_client.post(_url("edit", letter), _form(letter, subject="Revised"))
    revision = EmailTemplate.objects.get(pk=letter.pk).latest_revision
    url = reverse(f"{NS}:revisions_view", args=[letter.pk, revision.pk])
    response = admin_client.get(url)
    assert response.status_code == 200 and response["Content-Security-Policy"] == PREVIEW_CSP


def test_the_preview_panel_iframe_is_sandboxed(admin_client, letter):
    html = admin_client.get(_url("edit", letter)).content.decode()
    assert 'id="w-preview-iframe"' in html
    iframe = html[html.index("<iframe", html.index('class="w-preview__wrapper"')) :]
    iframe = iframe[: iframe.index(">")]
    assert 'sandbox=""' in iframe and "allow-scripts" not in iframe and "allow-same-origin" not in iframe


# -- active content is stripped on save -------------------------------------------------------

HOSTILE = (
    '<mj-raw><script>document.title="pwned"</script></mj-raw>\n'
    '<mj-section><mj-column><mj-text><img src="https://shop.example/x.png" onerror="alert(1)">'
    '<a href="javascript:alert(2)">x</a></mj-text></mj-column></mj-section>\n'
)


def _after_body_tag(body: str, markup: str) -> str:
    return re.sub(r"(<mj-body[^>]*>)", lambda match: match.group(1) + "\n" + markup, body, count=1)


def test_an_editor_s_script_and_handlers_are_removed_on_save_and_the_editor_is_told(client, editor, letter):
    body = _after_body_tag(letter.body, HOSTILE)
    assert body != letter.body
    response = client.post(_url("edit", letter), _form(letter, body=body), follow=True)
    assert response.status_code == 200
    saved = EmailTemplate.objects.get(pk=letter.pk).get_latest_revision_as_object().body
    assert "<script" not in saved and "onerror" not in saved and "javascript:" not in saved
    assert '<img src="https://shop.example/x.png">' in saved and "<a>x</a>" in saved
    text = response.content.decode()
    assert "Removed from the letter: &lt;script&gt;, onerror=, href=&quot;javascript:…&quot;" in text


def test_a_template_tag_cannot_build_a_script_tag(client, editor, letter):
    body = _after_body_tag(letter.body, "<mj-raw><scr{# #}ipt>alert(1)</script></mj-raw>")
    response = client.post(_url("edit", letter), _form(letter, body=body))
    assert response.status_code == 200
    assert "Template tags cannot build a tag or attribute name" in response.content.decode()
    assert EmailTemplate.objects.get(pk=letter.pk).get_latest_revision_as_object().body == letter.body


def test_all_shipped_letters_pass_unchanged(builtins):
    from wagtail_triggers.sanitize import sanitize_body

    letters = list(EmailTemplate.objects.all())
    assert len(letters) == 48
    for row in letters:
        assert sanitize_body(row.body).body == row.body
        row.full_clean()  # sanitise, small sample and the 200-line worst case
        assert row.removed_markup == []


# -- history privacy --------------------------------------------------------------------------


def test_the_letter_history_shows_no_customer_address_to_an_editor(admin_client, make_user, letter, scenario, smtp):
    customer = Contact.objects.create(email="olga.private@example.com", first_name="Olga")
    response = admin_client.post(
        _url("send_test", letter), {"addresses": "olga.private@example.com", "contact": str(customer.pk)}
    )
    assert response.status_code == 302 and _arrived(smtp) == {"olga.private@example.com": 1}
    editor = make_user("historian", *LETTER_PERMISSIONS)
    client = Client()  # the editor's own browser, not the superuser's session
    client.force_login(editor)
    for url in (_url("history", letter), reverse("wagtailadmin_reports:site_history")):
        page = client.get(url)
        if page.status_code != 200:  # site history needs its own permission
            continue
        html = page.content.decode()
        assert "olga.private@example.com" not in html
    history = client.get(_url("history", letter)).content.decode()
    assert "Test letter sent to a customer (filled in as a customer)" in history
