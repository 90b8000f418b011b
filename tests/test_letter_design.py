"""What a recipient, a screen reader's user and a spam filter see of every shipped letter: text
contrast (WCAG AA), dark-mode styles, the hidden preheader, the postal address in the footer and
the system check that asks for it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from django.core.checks import run_checks
from lxml import html as lxml_html

from wagtail_triggers.context import sample_context
from wagtail_triggers.models import Scenario
from wagtail_triggers.preheader import HIDDEN_STYLE
from wagtail_triggers.rendering import RenderedLetter, validate_letter
from wagtail_triggers.shipped import shipped_keys, shipped_source

ROOT = Path(__file__).resolve().parent.parent
AA = 4.5  # WCAG 2.x AA, normal-size text (everything in the letters' footers is 12-14 px)
NAMED = {"white": "#ffffff", "black": "#000000"}
_COLOR = re.compile(r"(?:^|;)\s*color\s*:\s*([^;!]+)", re.I)
_BACKGROUND = re.compile(r"(?:^|;)\s*background(?:-color)?\s*:\s*(#[0-9a-f]{3,6}\b|[a-z]+)", re.I)


# -- colour arithmetic ------------------------------------------------------------------------


def rgb(value: str) -> tuple[int, int, int]:
    """``#abc``, ``#aabbcc``, ``rgb(1, 2, 3)``, ``rgba(1, 2, 3, 1)`` or a basic name."""
    value = NAMED.get(value.strip().lower(), value.strip().lower())
    if value.startswith("rgb"):
        r, g, b = (int(float(part)) for part in re.findall(r"[\d.]+", value)[:3])
        return r, g, b
    digits = value.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb(color)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def spamassassin_distance(foreground: str, background: str) -> float:
    """SpamAssassin's HTML.pm colour distance; under 12 scores ``HTML_FONT_LOW_CONTRAST``."""
    (r1, g1, b1), (r2, g2, b2) = rgb(foreground), rgb(background)
    return ((0.2126 * (r1 - r2)) ** 2 + (0.7152 * (g1 - g2)) ** 2 + (0.0722 * (b1 - b2)) ** 2) ** 0.5


def test_the_contrast_helper_agrees_with_wcag():
    assert round(contrast_ratio("#000", "#fff"), 1) == 21.0
    assert round(contrast_ratio("#77736c", "#f4f1ec"), 2) == 4.19  # the old footer, as the issue measured
    assert spamassassin_distance("#ffffff", "#f4f1ec") < 12  # the old preheader on the page colour


# -- the rendered letters ---------------------------------------------------------------------

LANGUAGES = ["en", "ru"]
KEYS = shipped_keys()


@cache
def rendered(key: str, language: str) -> RenderedLetter:
    source = shipped_source(key)
    return validate_letter(source.subject, source.preheader, source.body, sample_context(key, language), language)


def _style(element) -> str:
    return element.get("style") or ""


def _inherited(element, pattern: re.Pattern[str], attribute: str) -> str | None:
    for node in (element, *element.iterancestors()):
        found = pattern.search(_style(node))
        if found and found.group(1).strip().lower() not in {"transparent", "inherit", "none"}:
            return found.group(1).strip()
        if node.get(attribute):
            return node.get(attribute)
    return None


def _hidden(element) -> bool:
    return any("display:none" in _style(node).replace(" ", "") for node in (element, *element.iterancestors()))


def visible_texts(html: str) -> list[tuple[str, str, str]]:
    """(text, colour, background) of every visible run of text, from the inline styles only
    (what a client that ignores ``<style>`` shows)."""
    body = lxml_html.document_fromstring(html).find("body")
    runs = []
    for element in body.iter():
        if not isinstance(element.tag, str) or _hidden(element):
            continue
        pieces = [(element, element.text)] + [(element, child.tail) for child in element]
        for owner, text in pieces:
            if text and text.strip(" \n\t\u200c\xa0"):
                color = _inherited(owner, _COLOR, "color") or "#000000"
                background = _inherited(owner, _BACKGROUND, "bgcolor") or "#ffffff"
                runs.append((text.strip(), color, background))
    return runs


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", KEYS)
def test_every_text_of_every_letter_meets_wcag_aa_contrast(key, language):
    letter = rendered(key, language)
    runs = visible_texts(letter.html)
    low = [
        (text, color, bg, round(contrast_ratio(color, bg), 2))
        for text, color, bg in runs
        if contrast_ratio(color, bg) < AA
    ]
    assert not low
    footer = {text: (color, bg) for text, color, bg in runs}
    unsubscribe = "Unsubscribe" if language == "en" else "Отписаться"
    color, background = footer[unsubscribe]
    assert background == "#f4f1ec" and contrast_ratio(color, background) >= 5  # 5.3:1 (was 4.19:1)


def test_footer_links_are_tap_targets_in_the_accessible_grey():
    letter = rendered("forgotten_cart/discount", "en")
    links = re.findall(r'<a href="[^"]*unsubscribe[^"]*" style="([^"]*)"', letter.html)
    assert len(links) == 2  # unsubscribe and preferences: a 20 px line + 2 × 4 px padding, 10 px apart at least
    for style in links:
        assert "display: inline-block" in style and "padding: 4px 10px" in style and "line-height: 20px" in style
        assert "color: #67635c" in style


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", KEYS)
def test_every_letter_carries_dark_mode_styles(key, language):
    html = rendered(key, language).html
    head = html.split("<body", 1)[0]
    assert '<meta name="color-scheme" content="light dark">' in head
    assert '<meta name="supported-color-schemes" content="light dark">' in head
    assert ":root { color-scheme: light dark;" in head
    dark = head.split("@media (prefers-color-scheme: dark)", 1)[1]
    assert "background-color: #1a1917 !important" in dark  # beats the inline light backgrounds
    assert "[data-ogsc] .card div" in head and "[data-ogsb] .card" in head  # Outlook.com's dark mode
    body = html.split("<body", 1)[1]
    assert 'class="page"' in body and 'class="card"' in body  # the classes the dark styles select


# -- the hidden preheader -----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", KEYS)
def test_the_preheader_is_hidden_without_the_pattern_spamassassin_flags(key, language):
    letter = rendered(key, language)
    body = lxml_html.document_fromstring(letter.html).find("body")
    first = body[0]
    style = first.get("style")
    assert first.tag == "div" and style == HIDDEN_STYLE
    assert first.text_content().startswith(letter.preheader)
    assert first.text_content().endswith("\u200c\xa0" * 90)  # clients do not pull body text into the preview
    assert not _COLOR.search(style) and "transparent" not in style and "font-size:0" not in style
    # SpamAssassin compares the text colour it inherits (none set: black) with the background
    color = _inherited(first, _COLOR, "color") or "#000000"
    assert spamassassin_distance(color, body.get("bgcolor")) > 100
    assert letter.preheader not in letter.text  # the plain-text part drops it


EDITORS_LETTER = """<mjml>
  <mj-head><mj-include path="head.mjml" /></mj-head>
  <mj-body background-color="#f4f1ec" width="600px">
    <mj-include path="header.mjml" />
    <mj-section><mj-column><mj-text>Our own news, written in the admin.</mj-text></mj-column></mj-section>
    <mj-include path="footer.mjml" />
  </mj-body>
</mjml>"""


def test_a_letter_an_editor_writes_gets_the_same_design():
    context = sample_context("wakeup_90/hello", "en")
    letter = validate_letter("News", "A short preview line.", EDITORS_LETTER, context, "en")
    assert '<meta name="color-scheme" content="light dark">' in letter.html
    assert "@media (prefers-color-scheme: dark)" in letter.html
    sections = lxml_html.document_fromstring(letter.html).xpath("//div[@class='card'][contains(., 'Our own news')]")
    assert len(sections) == 1  # the editor's section follows dark mode without asking for it
    assert not [run for run in visible_texts(letter.html) if contrast_ratio(run[1], run[2]) < AA]
    bare = "<mjml><mj-head><mj-preview>Only a preview</mj-preview></mj-head><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>"
    hidden = lxml_html.document_fromstring(validate_letter("Bare", "", bare, context, "en").html).find("body")[0]
    assert hidden.get("style") == HIDDEN_STYLE and hidden.text_content().startswith("Only a preview")


# -- the postal address -------------------------------------------------------------------------


def test_the_footer_prints_the_shop_address_in_html_and_text(settings):
    settings.TRIGGERS_SHOP_ADDRESS = "Example Shop Ltd, 1 Market Street, London N1 1AA"
    source = shipped_source("wakeup_90/hello")
    for language in LANGUAGES:
        context = sample_context("wakeup_90/hello", language)
        letter = validate_letter(source.subject, source.preheader, source.body, context, language)
        assert "Example Shop Ltd, 1 Market Street, London N1 1AA" in letter.html
        assert "Example Shop Ltd, 1 Market Street, London N1 1AA" in letter.text.splitlines()


def _w104() -> list:
    return [message for message in run_checks() if message.id == "wagtail_triggers.W104"]


@pytest.mark.django_db
def test_an_enabled_marketing_scenario_without_an_address_is_a_system_check_warning(settings, enable):
    settings.TRIGGERS_SHOP_ADDRESS = ""
    assert _w104() == []  # nothing enabled
    (cart,) = enable("forgotten_cart")
    (warning,) = _w104()
    assert cart.name in warning.msg
    assert "TRIGGERS_SHOP_ADDRESS" in warning.hint and "CAN-SPAM" in warning.hint
    settings.TRIGGERS_SHOP_ADDRESS = "Example Shop Ltd, 1 Market Street, London N1 1AA"
    assert _w104() == []
    settings.TRIGGERS_SHOP_ADDRESS = "   "
    assert len(_w104()) == 1


@pytest.mark.django_db
def test_a_transactional_scenario_needs_no_address(settings, enable):
    settings.TRIGGERS_SHOP_ADDRESS = ""
    (cancelled,) = enable("cancelled_order")
    assert len(_w104()) == 1
    cancelled.transactional = True
    cancelled.save(update_fields=["transactional"])
    assert Scenario.objects.get(pk=cancelled.pk).is_transactional
    assert _w104() == []


def test_the_address_check_stays_quiet_before_migrate(tmp_path):
    """``manage.py migrate`` on a fresh install runs the checks before any table exists."""
    database = tmp_path / "never-migrated.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "Traceback" not in result.stderr
