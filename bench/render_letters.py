"""Per-recipient render time of the forgotten-cart letter: compiled pipeline vs the naive one.

Both run in the same process, in alternating blocks, on the same recipients, so the ratio
holds on a noisy shared machine even when the absolute figures move.

    python bench/render_letters.py [--recipients 300] [--language en]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.template import Context, Template  # noqa: E402
from django.utils import translation  # noqa: E402
from mjml import mjml2html  # noqa: E402

from wagtail_triggers.context import sample_context  # noqa: E402
from wagtail_triggers.rendering import (  # noqa: E402
    RenderedLetter,
    compile_letter,
    expand_includes,
    inline_css,
    letter_engine,
    render_letter,
)
from wagtail_triggers.shipped import shipped_source  # noqa: E402
from wagtail_triggers.textpart import html_to_text  # noqa: E402

KEY = "forgotten_cart/reminder"


def _plain(source: str, context: dict) -> str:
    template = Template(source, engine=letter_engine())
    return " ".join(template.render(Context(context, autoescape=False, use_l10n=False)).split())


def render_naive(subject: str, preheader: str, body: str, context: dict, language: str) -> RenderedLetter:
    """The straightforward pipeline the compiled one is measured against: template → MJML →
    premailer for every recipient."""
    with translation.override(language):
        subject_text = _plain(subject, context)
        preheader_text = _plain(preheader, context)
        letter = {**context.get("letter", {}), "subject": subject_text, "preheader": preheader_text}
        mjml_source = Template(expand_includes(body)[0], engine=letter_engine()).render(
            Context({**context, "letter": letter})
        )
        html = inline_css(mjml2html(mjml_source, fonts={}))
    return RenderedLetter(subject_text, preheader_text, html, html_to_text(html))


def contexts(n: int, language: str) -> list[dict]:
    names = ["Anna", "Boris", "Chloé", "Dmitri", "Eve", "Farid"]
    out = []
    for i in range(n):
        ctx = sample_context(KEY, language)
        ctx["contact"] = {**ctx["contact"], "first_name": names[i % len(names)], "email": f"c{i}@example.com"}
        ctx["links"] = {**ctx["links"], "unsubscribe": f"https://shop.example/triggers/unsubscribe/token{i}/"}
        out.append(ctx)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=300)
    parser.add_argument("--language", default="en")
    args = parser.parse_args()
    source = shipped_source(KEY)
    recipients = contexts(args.recipients, args.language)

    started = time.perf_counter()
    compiled = compile_letter(source.subject, source.preheader, source.body, args.language)
    compile_ms = (time.perf_counter() - started) * 1000
    # Warm both paths (translations, regex caches) before measuring.
    render_letter(compiled, recipients[0], args.language)
    naive_html = render_naive(source.subject, source.preheader, source.body, recipients[0], args.language).html

    # Alternate blocks of recipients between the two pipelines: both see the same machine
    # state over the run, and neither evicts the other's caches on every single letter.
    fast, naive = [], []
    block = 25
    for start in range(0, len(recipients), block):
        chunk = recipients[start : start + block]
        for ctx in chunk:
            t0 = time.perf_counter()
            letter = render_letter(compiled, ctx, args.language)
            fast.append((time.perf_counter() - t0) * 1000)
        for ctx in chunk:
            t0 = time.perf_counter()
            render_naive(source.subject, source.preheader, source.body, ctx, args.language)
            naive.append((time.perf_counter() - t0) * 1000)

    fast_median, naive_median = statistics.median(fast), statistics.median(naive)
    print(
        f"letter: {KEY} [{args.language}], HTML {len(letter.html) / 1024:.1f} KB "
        f"(naive {len(naive_html) / 1024:.1f} KB)"
    )
    print(f"recipients: {len(recipients)}; compile once: {compile_ms:.1f} ms")
    print(
        f"naive    (template → MJML → premailer per recipient): median {naive_median:.3f} ms, p95 {_p95(naive):.3f} ms"
    )
    print(f"compiled (template render per recipient):             median {fast_median:.3f} ms, p95 {_p95(fast):.3f} ms")
    print(f"speed-up: {naive_median / fast_median:.1f}x  (goal: ≥ 15x and ≤ 0.5 ms median)")


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


if __name__ == "__main__":
    main()
