"""The letter editor: errors at their line, previews as a real customer, tests, reset, languages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.conftest import cart_payload
from wagtail_triggers.admin.variables import unknown_variables, variable_groups
from wagtail_triggers.compose import letter_source
from wagtail_triggers.letter_versions import is_released_version
from wagtail_triggers.models import Contact, Delivery, EmailTemplate, Enrollment
from wagtail_triggers.shipped import shipped_source

NS = "wagtailsnippets_wagtail_triggers_emailtemplate"


def _url(name, letter):
    return reverse(f"{NS}:{name}", args=[letter.pk])


def _form(letter, **changes):
    data = {"name": letter.name, "subject": letter.subject, "preheader": letter.preheader, "body": letter.body}
    return {**data, **changes}


def _actions(instance):
    return list(ModelLogEntry.objects.for_instance(instance).values_list("action", flat=True))


# -- editing ----------------------------------------------------------------------------------


def test_letters_are_listed_as_snippets(admin_client, letter):
    response = admin_client.get(reverse(f"{NS}:list"))
    assert response.status_code == 200
    assert b"forgotten_cart/reminder" in response.content


def test_the_editor_is_a_code_editor_with_the_scenario_s_variables_beside_it(admin_client, letter):
    html = admin_client.get(_url("edit", letter)).content.decode()
    assert 'data-triggers-editor="mjml"' in html
    assert "vendor/codemirror/lib/codemirror.js" in html and "vendor/codemirror/mode/django/django.js" in html
    assert 'data-triggers-insert="{{ cart.total|money:cart.currency }}"' in html
    assert 'data-triggers-insert-into="id_subject"' in html and 'data-triggers-insert-into="id_preheader"' in html
    assert '<mj-include path="footer.mjml" />' in html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def test_variables_follow_the_scenario(builtins):
    cart = {g.name for g in variable_groups("forgotten_cart/reminder", "en")}
    order = {g.name for g in variable_groups("order_followup/thanks", "en")}
    wakeup = {g.name for g in variable_groups("wakeup_90/hello", "en")}
    assert "cart" in cart and "order" not in cart
    assert "order" in order and "cart" not in order
    assert not {"cart", "order"} & wakeup and "contact" in wakeup


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (lambda body: body.replace("<mj-button", "<mj-buton", 1), "Unknown MJML tag &lt;mj-buton&gt;."),
        (lambda body: body.replace("</mj-button>", "{% if contact.name %}</mj-button>", 1), "Unclosed tag"),
        (lambda body: body.replace("<mj-column>", "<mj-column", 1), "MJML error"),
    ],
    ids=["unknown-mj-tag", "template-syntax", "broken-xml"],
)
def test_a_broken_letter_shows_the_error_at_its_line_and_nothing_is_saved(admin_client, letter, broken, message):
    live_body, revisions = letter.body, letter.revisions.count()
    body = broken(letter.body)
    for action in ({}, {"action-publish": "1"}):  # saving a draft and publishing alike
        response = admin_client.post(_url("edit", letter), _form(letter, body=body, **action))
        html = response.content.decode()
        assert response.status_code == 200
        assert message in html
        line = re.search(r"\(line (\d+)\)", html)
        assert line, "the error names its line"
        assert f'data-error-line="{line.group(1)}"' in html  # the code editor highlights it
    letter.refresh_from_db()
    assert letter.body == live_body and letter.revisions.count() == revisions


def test_the_error_line_is_the_line_of_the_mistake(admin_client, letter):
    lines = letter.body.split("\n")
    number = next(n for n, line in enumerate(lines, start=1) if "<mj-button" in line)
    lines[number - 1] = lines[number - 1].replace("<mj-button", "<mj-buttton")
    response = admin_client.post(_url("edit", letter), _form(letter, body="\n".join(lines)))
    assert f"(line {number})" in response.content.decode()


def test_a_letter_posted_with_windows_line_ends_is_fine(admin_client, letter):
    response = admin_client.post(_url("edit", letter), _form(letter, body=letter.body.replace("\n", "\r\n")))
    assert response.status_code == 302


def test_publishing_is_logged_and_makes_the_letter_live(admin_client, letter):
    revisions = letter.revisions.count()
    body = letter.body.replace('{% translate "Back to my cart" %}', "Back to my basket")
    response = admin_client.post(_url("edit", letter), _form(letter, body=body, **{"action-publish": "1"}))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert "Back to my basket" in letter.body and letter.live
    assert letter.revisions.count() == revisions + 1
    assert "wagtail.publish" in _actions(letter)
    source, _ = letter_source("forgotten_cart/reminder", "en")
    assert "Back to my basket" in source.body


def test_a_draft_is_not_what_customers_get(admin_client, letter):
    body = letter.body.replace('{% translate "Back to my cart" %}', "Draft button")
    admin_client.post(_url("edit", letter), _form(letter, body=body))
    letter.refresh_from_db()
    assert "Draft button" not in letter.body and letter.has_unpublished_changes
    source, _ = letter_source("forgotten_cart/reminder", "en")
    assert "Draft button" not in source.body


def test_revisions_can_be_compared_and_reverted(admin_client, letter):
    first = letter.latest_revision
    admin_client.post(_url("edit", letter), _form(letter, subject="Second", **{"action-publish": "1"}))
    letter.refresh_from_db()
    compare = reverse(f"{NS}:revisions_compare", args=[letter.pk, first.pk, letter.latest_revision.pk])
    assert "Second" in admin_client.get(compare).content.decode()
    revert = reverse(f"{NS}:revisions_revert", args=[letter.pk, first.pk])
    assert admin_client.get(revert).status_code == 200


def test_a_locked_letter_cannot_be_saved_by_someone_else(client, admin_client, letter, make_user):
    admin_client.post(_url("lock", letter))
    letter.refresh_from_db()
    assert letter.locked
    editor = make_user("editor", "wagtail_triggers.change_emailtemplate", "wagtail_triggers.publish_emailtemplate")
    client.force_login(editor)
    response = client.post(_url("edit", letter), _form(letter, subject="Mine"))
    letter.refresh_from_db()
    assert response.status_code == 200 and letter.latest_revision.content["subject"] != "Mine"


# -- previews ---------------------------------------------------------------------------------


def test_previews_come_in_mobile_and_desktop_sizes_html_and_text(admin_client, letter):
    assert [size["name"] for size in letter.preview_sizes] == ["mobile", "desktop"]
    assert [mode for mode, _label in letter.preview_modes] == ["html", "text"]
    preview = _url("preview_on_edit", letter)
    assert admin_client.post(preview, _form(letter)).json()["is_valid"]
    html = admin_client.get(preview, {"mode": "html"}).content.decode()
    assert "Stoneware mug" in html and "samples/mug.png" in html
    assert "Subject: You left something in your cart" in admin_client.get(preview, {"mode": "text"}).content.decode()


def test_the_preview_can_show_a_real_customer_and_their_cart(admin_client, letter):
    contact = Contact.objects.create(email="olga@example.com", first_name="Olga")
    cart = cart_payload("c7", lines=1)
    cart["lines"][0]["name"] = "Copper kettle"
    Enrollment.objects.create(
        scenario=letter_scenario(letter),
        contact=contact,
        subject_id="c7",
        started_at=timezone.now(),
        snapshot={"cart": cart},
    )
    preview = _url("preview_on_edit", letter)
    assert admin_client.post(preview, _form(letter, preview_contact=str(contact.pk))).json()["is_valid"]
    html = admin_client.get(preview, {"mode": "html"}).content.decode()
    assert "Olga, your cart is waiting" in html and "Copper kettle" in html and "Stoneware mug" not in html


def letter_scenario(letter):
    from wagtail_triggers.models import Scenario

    return Scenario.objects.get(kind=letter.scenario_kind)


# -- test letters -----------------------------------------------------------------------------


def test_send_me_a_test_sends_the_latest_version_marked_and_uncounted(admin_client, letter, mailoutbox):
    admin_client.post(_url("edit", letter), _form(letter, subject="Draft subject, {{ contact.first_name }}"))
    page = admin_client.get(_url("send_test", letter))
    assert "Send to me (owner@example.com)" in page.content.decode()
    response = admin_client.post(_url("send_test", letter), {"to_me": "on", "addresses": "qa@example.com"})
    assert response.status_code == 302 and response.url == _url("edit", letter)
    assert [m.to for m in mailoutbox] == [["owner@example.com"], ["qa@example.com"]]
    message = mailoutbox[0]
    assert message.subject == "[TEST] Draft subject, Anna"
    assert message.extra_headers["X-Triggers-Test"] == "1"
    assert "Stoneware mug" in message.alternatives[0][0]
    assert not Delivery.objects.exists()
    entry = ModelLogEntry.objects.for_instance(letter).get(action="wagtail_triggers.send_test")
    assert entry.data["to"] == ["owner@example.com", "qa@example.com"]


def test_a_test_can_be_filled_in_as_a_real_customer(admin_client, letter, mailoutbox):
    contact = Contact.objects.create(email="olga@example.com", first_name="Olga")
    admin_client.post(_url("send_test", letter), {"addresses": "qa@example.com", "contact": str(contact.pk)})
    assert "Olga, your cart is waiting" in mailoutbox[0].alternatives[0][0]
    assert mailoutbox[0].to == ["qa@example.com"]  # never to the customer


def test_a_test_needs_valid_addresses(admin_client, letter, mailoutbox):
    response = admin_client.post(_url("send_test", letter), {"addresses": "nobody"})
    assert "nobody is not an email address." in response.content.decode()
    response = admin_client.post(_url("send_test", letter), {})
    assert "Choose at least one address." in response.content.decode()
    assert not mailoutbox


def test_the_test_form_offers_the_scenario_s_test_addresses(admin_client, letter):
    scenario = letter_scenario(letter)
    scenario.test_addresses = "tester@shop.example"
    scenario.save()
    assert "tester@shop.example" in admin_client.get(_url("send_test", letter)).content.decode()


# -- reset and languages ----------------------------------------------------------------------


def test_reset_to_the_shipped_default_publishes_it_and_keeps_the_history(admin_client, letter):
    admin_client.post(_url("edit", letter), _form(letter, subject="Custom", **{"action-publish": "1"}))
    letter.refresh_from_db()
    revisions = letter.revisions.count()
    assert "Reset to the shipped default" in admin_client.get(_url("edit", letter)).content.decode()
    assert admin_client.get(_url("reset", letter)).status_code == 200
    response = admin_client.post(_url("reset", letter))
    assert response.status_code == 302
    letter.refresh_from_db()
    shipped = shipped_source(letter.key)
    assert (letter.subject, letter.body) == (shipped.subject, shipped.body) and letter.live
    assert letter.revisions.count() == revisions + 1
    assert {"wagtail_triggers.reset", "wagtail.publish"} <= set(_actions(letter))


def test_a_letter_in_another_language_starts_from_the_current_one(admin_client, letter, settings):
    settings.LANGUAGES = [("en", "English"), ("ru", "Русский"), ("de", "Deutsch")]
    settings.TRIGGERS_LANGUAGES = ["en", "ru", "de"]
    html = admin_client.get(_url("edit", letter)).content.decode()
    add = reverse(f"{NS}:add") + f"?key={letter.key}&amp;language=de&amp;from={letter.pk}"
    assert add in html
    form = admin_client.get(add.replace("&amp;", "&")).content.decode()
    assert 'value="forgotten_cart/reminder"' in form and "Back to my cart" in form
    response = admin_client.post(
        reverse(f"{NS}:add"),
        {
            "key": letter.key,
            "language": "de",
            "name": "Vergessener Warenkorb",
            "subject": "Sie haben etwas vergessen",
            "preheader": "",
            "body": letter.body,
            "action-publish": "1",
        },
    )
    assert response.status_code == 302
    german = EmailTemplate.objects.get(key=letter.key, language="de")
    assert german.live
    source, language = letter_source(letter.key, "de")
    assert language == "de" and source.subject == "Sie haben etwas vergessen"
    source, language = letter_source(letter.key, "fr")  # no French letter: the default language
    assert language == "en"


def test_the_same_letter_twice_in_one_language_is_refused(admin_client, letter):
    response = admin_client.post(
        reverse(f"{NS}:add"),
        {"key": letter.key, "language": "en", "name": "Twin", "subject": "Twin", "preheader": "", "body": letter.body},
    )
    assert response.status_code == 200
    assert EmailTemplate.objects.filter(key=letter.key, language="en").count() == 1


def test_the_key_and_language_of_a_letter_cannot_be_changed(admin_client, letter):
    admin_client.post(_url("edit", letter), _form(letter, key="wakeup_90/hello", language="ru"))
    letter.refresh_from_db()
    assert (letter.key, letter.language) == ("forgotten_cart/reminder", "en")


# -- a letter in its own words ------------------------------------------------------------------


@pytest.fixture
def russian_letter(builtins) -> EmailTemplate:
    return EmailTemplate.objects.get(key="forgotten_cart/reminder", language="ru")


def test_the_russian_letter_is_shown_in_russian(admin_client, russian_letter):
    response = admin_client.get(_url("edit", russian_letter))
    form = response.context["form"]
    body = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', response.content.decode(), re.S).group(1)
    assert "Вернуться в корзину" in body and "Back to my cart" not in body and "{% translate" not in body
    assert form["subject"].value() == "Вы кое-что оставили в корзине"
    # The stored copy is still the shipped source until someone changes its text.
    assert '{% translate "Back to my cart" %}' in russian_letter.body


def test_saving_the_shown_text_unchanged_keeps_the_shipped_source(admin_client, russian_letter):
    form = admin_client.get(_url("edit", russian_letter)).context["form"]
    shown = {name: form.initial[name] for name in ("subject", "preheader", "body")}
    assert "Вернуться в корзину" in shown["body"]
    posted = {name: text.replace("\n", "\r\n") for name, text in shown.items()}  # as a browser posts it
    response = admin_client.post(_url("edit", russian_letter), {"name": russian_letter.name, **posted})
    assert response.status_code == 302
    saved = EmailTemplate.objects.get(pk=russian_letter.pk).get_latest_revision_as_object()
    assert (saved.subject, saved.preheader, saved.body) == (
        russian_letter.subject,
        russian_letter.preheader,
        russian_letter.body,
    )
    assert is_released_version(saved.key, saved.subject, saved.preheader, saved.body)


def test_an_edited_russian_letter_is_saved_as_russian_text(admin_client, russian_letter):
    form = admin_client.get(_url("edit", russian_letter)).context["form"]
    body = form.initial["body"].replace("Вернуться в корзину", "Вернуться к покупкам")
    data = {"name": russian_letter.name, "subject": form.initial["subject"], "preheader": form.initial["preheader"]}
    response = admin_client.post(_url("edit", russian_letter), {**data, "body": body, "action-publish": "1"})
    assert response.status_code == 302
    saved = EmailTemplate.objects.get(pk=russian_letter.pk)
    assert "Вернуться к покупкам" in saved.body and "{% translate" not in saved.body
    assert saved.subject == russian_letter.subject  # unchanged fields keep their source
    letter = saved.render_sample()
    assert "Вернуться к покупкам" in letter.html and "Вы кое-что оставили в корзине" in letter.subject


# -- names that are not variables -----------------------------------------------------------------


def test_a_misspelled_variable_is_saved_with_a_warning_naming_the_closest(admin_client, letter):
    body = letter.body.replace("<mj-text>", "<mj-text>{{ contact.frist_name }} {{ cart.totl|money:cart.currency }}", 1)
    response = admin_client.post(_url("edit", letter), _form(letter, body=body), follow=True)
    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert any("contact.frist_name" in w and "Did you mean “contact.first_name”" in w for w in warnings), warnings
    assert any("cart.totl" in w and "“cart.total”" in w for w in warnings), warnings
    saved = EmailTemplate.objects.get(pk=letter.pk).get_latest_revision_as_object()
    assert "{{ contact.frist_name }}" in saved.body  # warned, not refused


def test_variables_of_another_scenario_and_unknown_groups_are_named(builtins):
    found = unknown_variables(
        ["{{ cart.total }} {{ contatc.email }} {% for l in absence.since %}{% endfor %}"], "wakeup_90/hello", "en"
    )
    assert [(u.name, u.suggestion) for u in found] == [("cart.total", None), ("contatc", "contact")]


def test_names_the_letter_binds_itself_are_not_warned_about(builtins):
    source = (
        "{% for line in cart.lines %}{{ line.name }} {{ forloop.counter }}{% endfor %}"
        "{% for item in cart.lines %}{{ item.nmae }}{% endfor %}"
        '{% translate "Hi" as hello %}{{ hello }}'
        "{% with who=contact.first_name %}{{ who }}{% endwith %}"
        "{% blocktranslate with name=contact.first_name %}Hi {{ name }}{% endblocktranslate %}"
        "{% blocktranslate count n=cart.item_count %}{{ n }} item{% plural %}{{ n }} items{% endblocktranslate %}"
    )
    found = unknown_variables([source], "forgotten_cart/reminder", "en")
    assert [(u.name, u.suggestion) for u in found] == [("item.nmae", "item.name")]


def test_no_shipped_letter_is_warned_about(builtins):
    from wagtail_triggers.shipped import shipped_keys

    for key in shipped_keys():
        source = shipped_source(key)
        assert unknown_variables([source.subject, source.preheader, source.body], key, "en") == [], key


# -- names in the admin's language ----------------------------------------------------------------


def test_built_in_names_follow_the_admin_s_language(client, superuser, builtins):
    from wagtail.users.models import UserProfile

    from wagtail_triggers.models import Scenario

    profile = UserProfile.get_for_user(superuser)
    profile.preferred_language = "ru"
    profile.save()
    Scenario.objects.filter(kind="wakeup_90").update(name="Our own wake-up")
    client.force_login(superuser)
    html = client.get(reverse("wagtail_triggers_scenarios:index")).content.decode()
    assert "Забытая корзина" in html and ">Forgotten cart<" not in html
    assert "Напоминание с товарами из корзины" in html and "Reminder with the cart&#x27;s products" not in html
    assert "Our own wake-up" in html  # an editor's own name as written

    profile.preferred_language = "en"
    profile.save()
    html = client.get(reverse("wagtail_triggers_scenarios:index")).content.decode()
    assert "Forgotten cart" in html and "Забытая корзина" not in html
