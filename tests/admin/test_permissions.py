"""Wagtail permissions: without the permission a view cannot be reached, nor posted to."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wagtail_triggers.models import Contact, EmailTemplate, Enrollment, Scenario

EDIT_LETTER = "wagtail_triggers.change_emailtemplate"
PUBLISH_LETTER = "wagtail_triggers.publish_emailtemplate"
ENABLE = "wagtail_triggers.enable_scenario"
CHANGE_SCENARIO = "wagtail_triggers.change_scenario"
VIEW_CONTACT = "wagtail_triggers.view_contact"
CHANGE_CONTACT = "wagtail_triggers.change_contact"
SEE_CONTACTS = (VIEW_CONTACT, CHANGE_CONTACT)  # whoever may act on contacts may see them
EVERYTHING = (EDIT_LETTER, PUBLISH_LETTER, ENABLE, CHANGE_SCENARIO, VIEW_CONTACT, CHANGE_CONTACT)


@pytest.fixture
def objects(builtins):
    scenario = Scenario.objects.get(kind="forgotten_cart")
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    contact = Contact.objects.create(email="anna@example.com")
    from django.utils import timezone

    enrollment = Enrollment.objects.create(
        scenario=scenario, contact=contact, subject_id="c1", started_at=timezone.now()
    )
    return {"scenario": scenario, "letter": letter, "contact": contact, "enrollment": enrollment}


# (name, method, url builder, the permission that opens it)
VIEWS = [
    ("scenario listing", "get", lambda o: reverse("wagtail_triggers_scenarios:index"), (CHANGE_SCENARIO, ENABLE)),
    (
        "scenario settings",
        "get",
        lambda o: reverse("wagtail_triggers_scenarios:edit", args=[o["scenario"].pk]),
        CHANGE_SCENARIO,
    ),
    (
        "save scenario settings",
        "post",
        lambda o: reverse("wagtail_triggers_scenarios:edit", args=[o["scenario"].pk]),
        CHANGE_SCENARIO,
    ),
    ("new scenario", "get", lambda o: reverse("wagtail_triggers_scenarios:add"), "wagtail_triggers.add_scenario"),
    ("create scenario", "post", lambda o: reverse("wagtail_triggers_scenarios:add"), "wagtail_triggers.add_scenario"),
    ("switch on page", "get", lambda o: reverse("wagtail_triggers_scenarios:enable", args=[o["scenario"].pk]), ENABLE),
    ("switch on", "post", lambda o: reverse("wagtail_triggers_scenarios:enable", args=[o["scenario"].pk]), ENABLE),
    ("switch off", "post", lambda o: reverse("wagtail_triggers_scenarios:disable", args=[o["scenario"].pk]), ENABLE),
    ("letters", "get", lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:list"), EDIT_LETTER),
    (
        "edit letter",
        "get",
        lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[o["letter"].pk]),
        EDIT_LETTER,
    ),
    (
        "save letter",
        "post",
        lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[o["letter"].pk]),
        EDIT_LETTER,
    ),
    (
        "preview letter",
        "post",
        lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:preview_on_edit", args=[o["letter"].pk]),
        EDIT_LETTER,
    ),
    (
        "send test page",
        "get",
        lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:send_test", args=[o["letter"].pk]),
        EDIT_LETTER,
    ),
    (
        "send test",
        "post",
        lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:send_test", args=[o["letter"].pk]),
        EDIT_LETTER,
    ),
    (
        "reset page",
        "get",
        lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:reset", args=[o["letter"].pk]),
        PUBLISH_LETTER,
    ),
    (
        "reset",
        "post",
        lambda o: reverse("wagtailsnippets_wagtail_triggers_emailtemplate:reset", args=[o["letter"].pk]),
        PUBLISH_LETTER,
    ),
    ("contacts", "get", lambda o: reverse("wagtail_triggers_contacts:index"), SEE_CONTACTS),
    ("contact", "get", lambda o: reverse("wagtail_triggers_contacts:inspect", args=[o["contact"].pk]), SEE_CONTACTS),
    (
        "contact history",
        "get",
        lambda o: reverse("wagtail_triggers_contacts:history", args=[o["contact"].pk]),
        SEE_CONTACTS,
    ),
    ("choose a contact", "get", lambda o: reverse("wagtail_triggers_contact_chooser:choose"), SEE_CONTACTS),
    (
        "unsubscribe contact",
        "post",
        lambda o: reverse("wagtail_triggers_contacts:unsubscribe", args=[o["contact"].pk]),
        CHANGE_CONTACT,
    ),
    (
        "remove from chain",
        "post",
        lambda o: reverse("wagtail_triggers_contacts:remove_from_chain", args=[o["contact"].pk, o["enrollment"].pk]),
        CHANGE_CONTACT,
    ),
]


def denied(response) -> bool:
    """Wagtail answers a forbidden admin view with 403, or (for a page) a redirect to the dashboard."""
    return response.status_code == 403 or (response.status_code == 302 and response.url == reverse("wagtailadmin_home"))


def _opening(permission) -> tuple[str, ...]:
    return permission if isinstance(permission, tuple) else (permission,)


@pytest.mark.parametrize(("name", "method", "url", "permission"), VIEWS, ids=[v[0] for v in VIEWS])
def test_without_the_permission_a_view_cannot_be_reached_or_posted_to(
    client, make_user, objects, name, method, url, permission
):
    # Every other permission of the app, but not this one (publishing needs editing too).
    opening = _opening(permission)
    others = [p for p in EVERYTHING if p not in opening and not (EDIT_LETTER in opening and p == PUBLISH_LETTER)]
    client.force_login(make_user("someone", *others))
    before = (Scenario.objects.get(pk=objects["scenario"].pk).enabled, Contact.objects.get().unsubscribed_at)
    response = getattr(client, method)(url(objects), {"confirm": "1"} if method == "post" else None)
    assert denied(response), (name, response.status_code)
    assert (Scenario.objects.get(pk=objects["scenario"].pk).enabled, Contact.objects.get().unsubscribed_at) == before
    assert Enrollment.objects.get().state == Enrollment.State.ACTIVE


@pytest.mark.parametrize(
    ("name", "method", "url", "permission"),
    [v for v in VIEWS if v[1] == "get"],
    ids=[v[0] for v in VIEWS if v[1] == "get"],
)
def test_with_the_permission_the_view_opens(client, make_user, objects, name, method, url, permission):
    needed = [_opening(permission)[0], EDIT_LETTER] if permission == PUBLISH_LETTER else [_opening(permission)[0]]
    client.force_login(make_user("someone", *needed))
    assert client.get(url(objects)).status_code == 200, name


def test_an_editor_without_publish_permission_saves_drafts_only(client, make_user, objects):
    letter = objects["letter"]
    client.force_login(make_user("editor", EDIT_LETTER))
    url = reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[letter.pk])
    html = client.get(url).content.decode()
    assert 'name="action-publish"' not in html and "Reset to the shipped default" not in html
    assert "Send a test" in html
    data = {"name": letter.name, "subject": "Only a draft", "preheader": letter.preheader, "body": letter.body}
    client.post(url, {**data, "action-publish": "1"})
    letter.refresh_from_db()
    assert letter.subject != "Only a draft" and letter.latest_revision.content["subject"] == "Only a draft"


def test_an_editor_without_contact_permission_cannot_preview_as_a_contact(client, make_user, objects):
    client.force_login(make_user("editor", EDIT_LETTER))
    url = reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[objects["letter"].pk])
    html = client.get(url).content.decode()
    assert 'name="preview_contact"' not in html
    send_test = reverse("wagtailsnippets_wagtail_triggers_emailtemplate:send_test", args=[objects["letter"].pk])
    assert 'name="contact"' not in client.get(send_test).content.decode()


def test_the_switch_is_shown_only_to_who_may_switch(client, make_user, objects):
    client.force_login(make_user("viewer", "wagtail_triggers.view_scenario"))
    html = client.get(reverse("wagtail_triggers_scenarios:index")).content.decode()
    assert "data-triggers-switch" not in html
    client.force_login(make_user("owner", ENABLE))
    html = client.get(reverse("wagtail_triggers_scenarios:index")).content.decode()
    assert f'data-triggers-switch="{objects["scenario"].pk}"' in html


def test_the_menu_shows_only_what_the_user_may_open(client, make_user, objects):
    client.force_login(make_user("editor", EDIT_LETTER))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "/admin/snippets/wagtail_triggers/emailtemplate/" in html
    assert "/admin/trigger-emails/contacts/" not in html and "/admin/trigger-emails/scenarios/" not in html


def test_a_user_without_admin_access_is_sent_to_the_login(client, django_user_model, objects):
    client.force_login(django_user_model.objects.create_user("customer", "c@example.com", "pw"))
    response = client.get(reverse("wagtail_triggers_scenarios:index"))
    assert response.status_code == 302 and "login" in response.url


def test_the_permissions_can_be_given_to_groups_in_wagtail(admin_client):
    html = admin_client.get(reverse("wagtailusers_groups:add")).content.decode()
    assert "Can switch scenarios on and off" in html
    from django.contrib.auth.models import Permission

    for name in (*EVERYTHING, "wagtail_triggers.view_scenario"):
        app_label, codename = name.split(".")
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        assert f'value="{permission.pk}"' in html, name
