"""Letters: shipped defaults render in both languages; broken ones are refused when saved."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from wagtail_triggers.context import sample_context
from wagtail_triggers.models import EmailTemplate
from wagtail_triggers.rendering import LetterError, compile_letter, render_letter, validate_letter
from wagtail_triggers.scenarios import registry
from wagtail_triggers.shipped import shipped_keys, shipped_source

ALL_KEYS = [spec.key for kind in registry for spec in kind.default_steps]


def test_every_step_of_every_builtin_scenario_has_a_shipped_letter():
    assert len(ALL_KEYS) == 24
    assert sorted(ALL_KEYS) == shipped_keys()


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("key", ALL_KEYS)
def test_shipped_letter_renders_with_preheader_alt_texts_and_text_part(key, language):
    source = shipped_source(key)
    letter = validate_letter(source.subject, source.preheader, source.body, sample_context(key, language), language)
    assert letter.subject and letter.preheader
    assert escape(letter.preheader) in letter.html
    for img in letter.html.split("<img")[1:]:
        assert 'alt="' in img.split(">", 1)[0]
    assert "https://shop.example/triggers/unsubscribe/" in letter.text
    assert "{{" not in letter.html and "{%" not in letter.html and "zqtt" not in letter.html
    assert '<meta name="viewport"' in letter.html
    sections = re.findall(r'<div\b[^>]*? style="[^"]*margin:0px auto;[^"]*"', letter.html)
    assert sections and all("max-width:600px" in section for section in sections)  # included ones too


def test_russian_letters_are_translated():
    en = validate_letter(*_parts("forgotten_cart/reminder"), sample_context("forgotten_cart/reminder", "en"), "en")
    ru = validate_letter(*_parts("forgotten_cart/reminder"), sample_context("forgotten_cart/reminder", "ru"), "ru")
    assert en.subject != ru.subject
    assert any("\u0400" <= ch <= "\u04ff" for ch in ru.subject)


def _parts(key):
    s = shipped_source(key)
    return s.subject, s.preheader, s.body


def _template(**overrides) -> EmailTemplate:
    source = shipped_source("forgotten_cart/reminder")
    fields = {
        "key": source.key,
        "language": "en",
        "name": "Reminder",
        "subject": source.subject,
        "preheader": source.preheader,
        "body": source.body,
    }
    return EmailTemplate(**{**fields, **overrides})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {
                "body": "<mjml><mj-body><mj-section><mj-column><mj-text>unclosed</mj-column></mj-section></mj-body></mjml>"
            },
            "body",
            "MJML error",
        ),
        (
            {
                "body": "<mjml><mj-body><mj-section><mj-column>\n<mj-txt>typo</mj-txt></mj-column></mj-section></mj-body></mjml>"
            },
            "body",
            "Unknown MJML tag <mj-txt>. (line 2)",
        ),
        ({"body": "<mjml><mj-body>\n\n{% if contact %}</mj-body></mjml>"}, "body", "line 3"),
        ({"body": "<mjml><mj-body>{% load static %}</mj-body></mjml>"}, "body", "not available in letters"),
        ({"body": "<mjml><mj-body>{% debug %}</mj-body></mjml>"}, "body", "not available in letters"),
        ({"body": '<mjml><mj-body>{% include "base.html" %}</mj-body></mjml>'}, "body", "not available in letters"),
        (
            {"body": '<mjml><mj-body>\n<mj-include path="../../../settings.py" /></mj-body></mjml>'},
            "body",
            "only shipped partials. (line 2)",
        ),
        ({"subject": "{{ contact.name|nosuchfilter }}"}, "subject", "Invalid filter"),
        ({"subject": " "}, "subject", "needs a subject"),
    ],
)
def test_broken_letters_are_rejected_when_saved(overrides, field, message):
    template = _template(**overrides)
    with pytest.raises(ValidationError) as raised:
        template.full_clean()
    assert message in " ".join(raised.value.message_dict[field])


@pytest.mark.django_db
def test_mjml_errors_point_at_the_editors_line_even_after_includes():
    source = shipped_source("forgotten_cart/reminder")
    lines = source.body.splitlines()
    broken_at = next(i for i, line in enumerate(lines) if "<mj-button" in line)
    lines[broken_at] = lines[broken_at].replace("<mj-button", "<mj-button <", 1)
    with pytest.raises(ValidationError) as raised:
        _template(body="\n".join(lines)).full_clean()
    assert f"(line {broken_at + 1})" in raised.value.message_dict["body"][0]


@pytest.mark.django_db
def test_a_valid_letter_passes_full_clean():
    _template().full_clean()


def test_customer_details_sent_with_events_stay_out_of_the_purchase():
    from wagtail_triggers.context import commerce_context

    purchase = commerce_context({"id": "c", "currency": "EUR", "lines": [], "customer": {"first_name": "A"}})
    assert "customer" not in purchase


def test_letters_see_plain_values_only():
    context = sample_context("forgotten_cart/reminder", "en")

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            # django.templatetags.tz: a datetime already in the contact's time zone (coupon.expires_at)
            assert type(value).__module__ in {"builtins", "decimal", "datetime", "django.templatetags.tz"}, type(value)

    walk(context)


def _in_text(expression: str) -> str:
    return f"<mjml><mj-body><mj-section><mj-column><mj-text>[{expression}]</mj-text></mj-column></mj-section></mj-body></mjml>"


def test_settings_are_not_reachable_from_a_letter():
    context = sample_context("forgotten_cart/reminder", "en")
    letter = validate_letter("s", "", _in_text("{{ settings.SECRET_KEY }}{{ request.user }}{{ view }}"), context, "en")
    assert "[]" in letter.html and "tests-only" not in letter.html


@pytest.mark.parametrize("expression", ["{{ contact.__class__ }}", "{{ shop.__dict__ }}", "{{ cart._meta }}"])
def test_private_attributes_are_refused(expression):
    with pytest.raises(LetterError, match="may not begin with underscores"):
        validate_letter("s", "", _in_text(expression), sample_context("forgotten_cart/reminder", "en"), "en")


def test_compiled_once_per_source_then_only_rendered():
    source = shipped_source("forgotten_cart/reminder")
    compile_letter.cache_clear()
    first = compile_letter(source.subject, source.preheader, source.body, "en")
    second = compile_letter(source.subject, source.preheader, source.body, "en")
    assert first is second and compile_letter.cache_info().hits == 1
    html = render_letter(first, sample_context(source.key, "en"), "en").html
    assert "Stoneware mug" in html and "style=" in html  # CSS already inlined at compile time


def test_misspelled_closing_tags_and_windows_line_endings():
    source = shipped_source("forgotten_cart/reminder")
    with pytest.raises(LetterError, match="mj-colum"):
        validate_letter(
            source.subject,
            source.preheader,
            source.body.replace("</mj-column>", "</mj-colum>", 1),
            sample_context(source.key, "en"),
            "en",
        )
    crlf = source.body.replace("\n", "\r\n")
    assert (
        "Stoneware mug"
        in validate_letter(source.subject, source.preheader, crlf, sample_context(source.key, "en"), "en").html
    )
