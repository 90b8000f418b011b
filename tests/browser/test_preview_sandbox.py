"""A letter's preview never runs script in the admin (real Chromium).

An editor holding only letter permissions saves a draft with ``<mj-raw><script>`` and an
``<img onerror>`` (the issue's attack), plus ``{{ contact.first_name|safe }}``, and a customer
named ``<img src=x onerror=…>`` exists. Saving strips the draft's own script and handler, but
the customer's markup still reaches the HTML when the superuser previews "as" that customer:
that script is live in the page and only the sandbox stops it. Every script here would set
the admin tab's title to "pwned" and load ``/__xss__/…`` from the live server; the test counts
both in the preview panel and in the preview opened directly.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import login
from wagtail_triggers.models import Contact, EmailTemplate
from wagtail_triggers.provisioning import setup_builtins

pytestmark = pytest.mark.browser

NS = "wagtailsnippets_wagtail_triggers_emailtemplate"
PAYLOAD = "top.document.title='pwned';new Image().src='/__xss__/{tag}'"
DRAFT = (
    "<mj-raw><script>" + PAYLOAD.format(tag="script") + "</script></mj-raw>\n"
    '<mj-section><mj-column><mj-text><img src="x" onerror="' + PAYLOAD.format(tag="draft-img") + '">'
    "Hello {{ contact.first_name|safe }}</mj-text></mj-column></mj-section>\n"
)
HOSTILE_NAME = '<img src=x onerror="' + PAYLOAD.format(tag="name") + '">'


@pytest.fixture
def people(django_user_model, transactional_db):
    from django.contrib.auth.models import Group, Permission

    setup_builtins()
    owner = django_user_model.objects.create_superuser("owner", "owner@example.com", "a-long-password")
    editor = django_user_model.objects.create_user("editor", "editor@example.com", "a-long-password")
    group = Group.objects.create(name="letter editors")
    for app_label, codename in [
        ("wagtailadmin", "access_admin"),
        ("wagtail_triggers", "change_emailtemplate"),
        ("wagtail_triggers", "view_emailtemplate"),
    ]:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    editor.groups.add(group)
    return owner, editor


def _save_draft_as_editor(editor, letter: EmailTemplate) -> str:
    """The editor's own session posts the edit form, as the admin does (no publish permission)."""
    body = re.sub(r"(<mj-body[^>]*>)", lambda match: match.group(1) + "\n" + DRAFT, letter.body, count=1)
    client = Client()
    client.force_login(editor)
    data = {"name": letter.name, "subject": letter.subject, "preheader": letter.preheader, "body": body}
    response = client.post(reverse(f"{NS}:edit", args=[letter.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return EmailTemplate.objects.get(pk=letter.pk).get_latest_revision_as_object().body


def _settle(hits: list[str], seconds: float = 1.5) -> None:
    """Give any script that could run the time to run (and to load its marker)."""
    time.sleep(seconds)


def test_a_script_in_a_draft_never_runs_for_the_superuser(live_server, page, people, shot):
    from playwright.sync_api import expect

    _owner, editor = people
    base = live_server.url
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    draft = _save_draft_as_editor(editor, letter)
    assert "{{ contact.first_name|safe }}" in draft  # the draft was saved…
    assert "<script" not in draft and "onerror" not in draft  # …with its own script stripped
    customer = Contact.objects.create(email="mallory@example.com", first_name=HOSTILE_NAME)

    hits: list[str] = []
    page.on("request", lambda request: hits.append(request.url) if "/__xss__/" in request.url else None)
    login(page, base)
    edit_url = base + reverse(f"{NS}:edit", args=[letter.pk])
    page.goto(edit_url)
    admin_title = page.title()
    # "Preview as" the customer: the chooser's hidden input, posted by Wagtail's preview script.
    page.evaluate("(pk) => { document.querySelector('input[name=preview_contact]').value = String(pk); }", customer.pk)
    page.click("button[data-side-panel-toggle='preview']")
    iframe = page.locator("#w-preview-iframe")
    expect(iframe).to_have_attribute("sandbox", "")
    frame = page.frame_locator("#w-preview-iframe")
    expect(frame.locator("text=Stoneware mug").first).to_be_visible(timeout=20_000)
    # The customer's markup is in the previewed letter, with its live handler: only the sandbox stops it.
    expect(frame.locator("img[onerror]")).to_have_count(1)
    _settle(hits)
    shot(page, "preview-sandbox-panel")
    assert page.title() == admin_title and "pwned" not in page.title()
    assert hits == []

    # The preview URL opened directly (Wagtail's "preview in new tab"): the CSP header sandboxes it.
    preview = base + reverse(f"{NS}:preview_on_edit", args=[letter.pk]) + "?mode=html"
    response = page.goto(preview)
    assert response.headers["content-security-policy"].startswith("sandbox;")
    expect(page.locator("text=Stoneware mug").first).to_be_visible()
    expect(page.locator("img[onerror]")).to_have_count(1)
    _settle(hits)
    assert "pwned" not in page.title()
    assert hits == []
