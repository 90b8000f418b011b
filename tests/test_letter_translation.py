"""Letters in their own words: the editor's plain-text version renders as the shipped letter."""

from __future__ import annotations

import html

import pytest
from django.template import Context, Template
from django.utils import translation

from wagtail_triggers.context import sample_context
from wagtail_triggers.letter_language import in_language, letter_in_language
from wagtail_triggers.rendering import letter_engine, validate_letter
from wagtail_triggers.shipped import shipped_keys, shipped_source

LANGUAGES = ["ru", "en"]


def _render(fields: dict[str, str], key: str, language: str):
    return validate_letter(
        fields["subject"], fields["preheader"], fields["body"], sample_context(key, language), language
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", shipped_keys())
def test_a_letter_in_its_own_words_renders_as_the_shipped_one(key, language):
    source = shipped_source(key)
    shipped = {"subject": source.subject, "preheader": source.preheader, "body": source.body}
    plain = letter_in_language(shipped, language)

    original, converted = _render(shipped, key, language), _render(plain, key, language)

    assert converted.subject == original.subject
    assert converted.preheader == original.preheader
    assert converted.text == original.text
    # The same document; only how an apostrophe is written may differ (' or &#x27;).
    assert html.unescape(converted.html) == html.unescape(original.html)


@pytest.mark.parametrize("key", shipped_keys())
def test_the_russian_letter_shows_russian_wording(key):
    source = shipped_source(key)
    plain = letter_in_language({"subject": source.subject, "preheader": source.preheader, "body": source.body}, "ru")
    for field in ("subject", "preheader", "body"):
        assert "{% translate" not in plain[field] and "{% blocktranslate" not in plain[field], field
    assert any("\u0400" <= char <= "\u04ff" for char in plain["subject"])


PRINTER = (
    "{% blocktranslate count days=absence.days %}It's been {{ days }} day. I've started talking to the printer."
    "{% plural %}It's been {{ days }} days. I've started talking to the printer.{% endblocktranslate %}"
)
UNTRANSLATED = "{% blocktranslate count n=absence.days %}{{ n }} sock{% plural %}{{ n }} socks{% endblocktranslate %}"


@pytest.mark.parametrize("days", [0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 111])
def test_plural_forms_become_one_branch_per_form_of_the_language(days):
    context = {"absence": {"days": days}}
    for source in (PRINTER, UNTRANSLATED):
        plain = in_language(source, "ru", html=True)
        assert "{% blocktranslate" not in plain
        with translation.override("ru"):
            rendered = Template(plain, engine=letter_engine(False)).render(Context(context))
            original = Template(source, engine=letter_engine(False)).render(Context(context))
        assert rendered == original
    russian = in_language(PRINTER, "ru", html=True)
    assert russian.count("|plural_form ==") == 2 and "{{ absence.days }}" in russian  # one, few, many
    assert "printer" not in russian


def test_variables_keep_their_expressions():
    source = (
        "{% blocktranslate with name=contact.first_name %}Hello {{ name }},{% endblocktranslate %} "
        '{% blocktranslate with date=coupon.expires_on|date:"DATE_FORMAT" %}Valid until {{ date }}.'
        "{% endblocktranslate %}"
    )
    plain = in_language(source, "en", html=True)
    assert plain == 'Hello {{ contact.first_name }}, Valid until {{ coupon.expires_on|date:"DATE_FORMAT" }}.'


def test_escaping_follows_the_field():
    source = '{% translate "Tom & Jerry\'s <cart>" %}'
    assert in_language(source, "en", html=True) == "Tom &amp; Jerry's &lt;cart&gt;"
    assert in_language(source, "en", html=False) == "Tom & Jerry's <cart>"


def test_tags_it_cannot_flatten_stay_tags():
    source = (
        '{% translate "x" as label %}{{ label }} {% translate "May" context "month" %} '
        '{% blocktranslate count n=cart.item_count|default:"0 0" %}{{ n }} item{% plural %}{{ n }} items{% endblocktranslate %} '
        "{% translate name %}"
    )
    assert in_language(source, "ru", html=True) == source
