"""A letter's cost is bounded: every input from the issue, refused or failed fast and visibly.

mjml-python segfaults on a few thousand nested elements, so the inputs that reached it are
checked in a subprocess: a regression fails the test instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import cart_payload
from wagtail_triggers.context import sample_context
from wagtail_triggers.limits import nesting_depth
from wagtail_triggers.models import Delivery, EmailTemplate
from wagtail_triggers.rendering import LetterError, compile_letter, validate_letter

ROOT = Path(__file__).resolve().parents[1]
NESTED_LOOPS = (
    "{% for a in purchase.lines %}{% for b in purchase.lines %}{% for c in purchase.lines %}"
    "{% for d in purchase.lines %}{{ d.name }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
)
NESTED_EMPTY_LOOPS = (
    "{% for a in purchase.lines %}{% for b in purchase.lines %}{% for c in purchase.lines %}"
    "{% for d in purchase.lines %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
)


def _body(inner: str) -> str:
    return f"<mjml><mj-body><mj-section><mj-column><mj-text>{inner}</mj-text></mj-column></mj-section></mj-body></mjml>"


def _refusal(body: str, context=None) -> tuple[str, float]:
    start = time.monotonic()
    with pytest.raises(LetterError) as caught:
        validate_letter("Subject", "", body, context or {}, "en")
    return str(caught.value), time.monotonic() - start


# -- filters with huge widths -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('{{ "a"|ljust:"300000000" }}', "Widths in ljust are limited to 1000, not 300000000."),
        ('{{ "a"|rjust:"300000000" }}', "Widths in rjust are limited to 1000, not 300000000."),
        ('{{ "a"|center:"300000000" }}', "Widths in center are limited to 1000, not 300000000."),
        ('{{ 5|stringformat:"0200000000d" }}', "Widths in stringformat are limited to 1000, not 200000000."),
        ('{{ 5|stringformat:".200000000f" }}', "Widths in stringformat are limited to 1000, not 200000000."),
        ('{{ 1.5|floatformat:"100000000" }}', "Widths in floatformat are limited to 1000, not 100000000."),
        ("{% widthratio 1 1 100000000000 %}", "Widths in widthratio are limited to 1000, not 100000000000."),
    ],
)
def test_huge_widths_are_refused_at_once(expression, message):
    error, seconds = _refusal(_body(expression))
    assert message in error
    assert seconds < 1.0


def test_ordinary_widths_still_work():
    letter = validate_letter(
        "S",
        "",
        _body(
            '[{{ "ab"|ljust:"5" }}] [{{ 7|stringformat:"03d" }}] [{{ 2.345|floatformat:2 }}] [{% widthratio 1 2 100 %}]'
        ),
        {},
        "en",
    )
    assert "[ab   ] [007] [2.35] [50]" in letter.text


# -- the tokeniser --------------------------------------------------------------------------


def test_sixteen_thousand_unclosed_tags_are_refused_in_well_under_a_second():
    error, seconds = _refusal(_body("{%" * 16_000))
    assert error == "{% is not closed by %} on the same line. (line 1)"
    assert seconds < 0.5


def test_saving_sixteen_thousand_unclosed_tags_is_refused_fast(builtins):
    """The whole save check (sanitising, both samples) on the issue's input."""
    from django.core.exceptions import ValidationError

    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    letter.body = _body("{%" * 16_000)
    start = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        letter.full_clean()
    assert caught.value.message_dict["body"] == ["{% is not closed by %} on the same line. (line 1)"]
    assert time.monotonic() - start < 1.0


def test_unclosed_tags_on_many_lines_and_unmatched_blocktranslate_are_linear():
    error, seconds = _refusal(_body("x {{ y\n" * 16_000))
    assert error == "{{ is not closed by }} on the same line. (line 1)" and seconds < 0.5
    error, seconds = _refusal(_body("{% blocktranslate %}x\n" * 8_000))
    assert error == "A blocktranslate inside another one. (line 2)" and seconds < 0.5
    error, _seconds = _refusal(_body("a\n{% blocktranslate %}x"))
    assert error == "This blocktranslate has no endblocktranslate. (line 2)"


# -- nesting before MJML (in a subprocess: mjml-python segfaults on these) --------------------

WRAPPERS = "<mjml><mj-body>" + "<mj-wrapper>" * 3000 + "</mj-wrapper>" * 3000 + "</mj-body></mjml>"
DIVS = "<mjml><mj-body><mj-raw>" + "<div>" * 10_000 + "</div>" * 10_000 + "</mj-raw></mj-body></mjml>"

SCRIPT = """
import sys, django
django.setup()
from wagtail_triggers.rendering import LetterError, validate_letter
body = sys.stdin.read()
try:
    validate_letter("Subject", "", body, {}, "en")
except LetterError as error:
    print("refused:", error)
else:
    print("rendered")
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (WRAPPERS, "refused: Elements are nested 3002 deep; at most 60. (line 1)"),
        (DIVS, "refused: Elements are nested 10003 deep; at most 60. (line 1)"),
    ],
)
def test_deep_nesting_is_refused_before_mjml_compiles(body, message):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], input=body, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"  # -11 was the segfault
    assert result.stdout.strip() == message


def test_depth_counts_unclosed_tags_and_ignores_void_ones_and_styles():
    assert nesting_depth("<div>" * 100) == (100, 1)
    assert nesting_depth("<a><br><img src=x><hr/></a>")[0] == 1
    assert nesting_depth("<mj-style>" + "<div>" * 500 + "</mj-style><p>x</p>")[0] == 1
    assert nesting_depth("<!--" + "<div>" * 500 + "--><p>x</p>")[0] == 1


def test_an_over_long_letter_is_refused(settings):
    settings.TRIGGERS_LETTER_MAX_SIZE = 5_000
    error, _seconds = _refusal(_body("x" * 6_000))
    assert error.startswith("The letter is too long: ")


# -- the render budget ------------------------------------------------------------------------


def test_the_save_check_renders_a_200_line_worst_case_sample(builtins):
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    worst = sample_context(letter.key, "en", worst_case=True)
    assert len(worst["purchase"]["lines"]) == 200
    assert len(worst["purchase"]["lines"][0]["name"]) > 200
    letter.body = letter.body.replace("</mj-body>", f"<mj-raw>{NESTED_LOOPS}</mj-raw></mj-body>")
    assert letter.render_sample()  # the three-line sample renders: 81 names
    start = time.monotonic()
    with pytest.raises(Exception) as caught:
        letter.full_clean()
    assert "The letter renders more than 2000000 characters." in str(caught.value)
    assert time.monotonic() - start < 5


def test_nested_loops_over_a_real_200_line_cart_fail_that_letter_alone(enable, clock, events, settings, mailoutbox):
    """A letter saved before the limits existed (written straight to the table) meets a big cart."""
    from wagtail_triggers.events import record_event

    settings.TRIGGERS_RENDER_TIME_LIMIT = 1.0
    enable("forgotten_cart")
    EmailTemplate.objects.filter(key="forgotten_cart/reminder").update(
        body=_body("Lines: {{ purchase.lines|length }} " + NESTED_EMPTY_LOOPS)
    )
    big = cart_payload("big", 3)
    big["lines"] = [{**big["lines"][n % 3], "product_id": str(n)} for n in range(200)]
    record_event("cart_updated", email="anna@example.com", data=big, occurred_at=clock.now)
    events.cart(email="bob@example.com", cart_id="small", lines=1)
    start = time.monotonic()
    report = clock.tick(minutes=61)
    seconds = time.monotonic() - start
    anna = Delivery.objects.get(contact__email="anna@example.com")
    bob = Delivery.objects.get(contact__email="bob@example.com")
    assert anna.status == Delivery.Status.FAILED
    assert "took more than 1.0 s to render" in anna.error
    assert bob.status == Delivery.Status.SENT
    assert [message.to for message in mailoutbox] == [["bob@example.com"]]
    assert "Lines: 1" in mailoutbox[0].body
    assert report.counts["sent"] == 1
    assert seconds < 10  # was more than 30 s for one letter


def test_output_over_the_cap_fails_the_render(settings):
    settings.TRIGGERS_RENDER_MAX_OUTPUT = 10_000
    lines = [{"name": "n" * 100} for _n in range(200)]
    compile_letter.cache_clear()
    error, seconds = _refusal(
        _body("{% for line in purchase.lines %}{{ line.name }}{% endfor %}"), {"purchase": {"lines": lines}}
    )
    assert "The letter renders more than 10000 characters." in error
    assert seconds < 1.0
