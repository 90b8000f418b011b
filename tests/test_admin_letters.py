"""The letters in Wagtail's admin: listed, editable, and a broken letter refused with a form error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wagtail_triggers.models import EmailTemplate


@pytest.fixture
def admin_client(client, django_user_model, builtins):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def _edit_url(template: EmailTemplate) -> str:
    return reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[template.pk])


def _form(template: EmailTemplate, **changes) -> dict:
    data = {"name": template.name, "subject": template.subject, "preheader": template.preheader, "body": template.body}
    return {**data, **changes}


def test_letters_are_listed_as_snippets(admin_client):
    response = admin_client.get(reverse("wagtailsnippets_wagtail_triggers_emailtemplate:list"))
    assert response.status_code == 200
    assert b"forgotten_cart/reminder" in response.content


def test_publishing_a_broken_letter_shows_the_error_and_keeps_the_live_one(admin_client):
    template = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    live_body = template.body
    broken = template.body.replace("<mj-button", "<mj-buton", 1)
    response = admin_client.post(_edit_url(template), _form(template, body=broken, **{"action-publish": "1"}))
    assert response.status_code == 200
    assert "Unknown MJML tag &lt;mj-buton&gt;" in response.content.decode()
    template.refresh_from_db()
    assert template.body == live_body


def test_publishing_a_fixed_letter_makes_a_new_live_revision(admin_client):
    template = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    revisions = template.revisions.count()
    response = admin_client.post(
        _edit_url(template), _form(template, subject="Still thinking it over?", **{"action-publish": "1"})
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "Still thinking it over?" and template.live
    assert template.revisions.count() == revisions + 1


def test_the_preview_renders_the_letter_with_sample_data(admin_client):
    template = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    preview_url = reverse("wagtailsnippets_wagtail_triggers_emailtemplate:preview_on_edit", args=[template.pk])
    assert admin_client.post(preview_url, _form(template)).json()["is_valid"]
    response = admin_client.get(preview_url, {"mode": "html"})
    assert response.status_code == 200 and b"Stoneware mug" in response.content
    text = admin_client.get(preview_url, {"mode": "text"})
    assert b"Subject: You left something in your cart" in text.content
