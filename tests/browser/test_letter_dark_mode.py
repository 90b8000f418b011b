"""A shipped letter in Chromium, light and dark: every visible text keeps WCAG AA contrast in
both schemes, dark mode turns the page and the card dark and the text light, and the footer's
links are tap targets at least 24 px tall. One page load; the colour scheme is switched live."""

from __future__ import annotations

from tests.test_letter_design import AA, contrast_ratio, luminance
from wagtail_triggers.context import sample_context
from wagtail_triggers.rendering import validate_letter
from wagtail_triggers.shipped import shipped_source

KEY = "forgotten_cart/discount"  # header, product lines, coupon, button, signature, footer

# Every visible run of text with its computed colour, the first opaque background behind it
# (walking up the ancestors) and its font size.
TEXTS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  const opaque = (c) => c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.replace(/[\\s\\u200c\\u00a0]+/g, ' ').trim();
    const element = walker.currentNode.parentElement;
    if (!text || !element || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    let node = element, background = null;
    while (node && !background) {
      const bg = getComputedStyle(node).backgroundColor;
      if (opaque(bg)) background = bg;
      node = node.parentElement;
    }
    out.push({text, color: style.color, background: background || 'rgb(255, 255, 255)'});
  }
  return out;
}"""

COLOURS = """() => ({
  body: getComputedStyle(document.body).backgroundColor,
  card: getComputedStyle(document.querySelector('.card')).backgroundColor,
  title: getComputedStyle(document.querySelector('.title div')).color,
  button: getComputedStyle(document.querySelector('.button a')).color,
  buttonBackground: getComputedStyle(document.querySelector('.button a')).backgroundColor,
})"""

LINKS = """() => Array.from(document.querySelectorAll('.footer-links a')).map(a => {
  const r = a.getBoundingClientRect();
  return {text: a.textContent, top: r.top, left: r.left, right: r.right, height: r.height, width: r.width};
})"""


def _low_contrast(page) -> list[tuple[str, str, str, float]]:
    runs = page.evaluate(TEXTS)
    assert len(runs) > 20
    return [
        (run["text"], run["color"], run["background"], round(contrast_ratio(run["color"], run["background"]), 2))
        for run in runs
        if contrast_ratio(run["color"], run["background"]) < AA
    ]


def test_a_letter_reads_right_in_light_and_dark_mode(page, tmp_path, settings):
    settings.TRIGGERS_SHOP_ADDRESS = "Example Shop Ltd, 1 Market Street, London N1 1AA"
    source = shipped_source(KEY)
    letter = validate_letter(source.subject, source.preheader, source.body, sample_context(KEY, "en"), "en")
    page.set_viewport_size({"width": 700, "height": 1400})
    page.emulate_media(color_scheme="light")
    page.set_content(letter.html, wait_until="load")

    light = page.evaluate(COLOURS)
    assert light["body"] == "rgb(244, 241, 236)" and light["card"] == "rgb(255, 255, 255)"
    assert light["title"] == "rgb(43, 43, 43)"
    assert _low_contrast(page) == []
    links = page.evaluate(LINKS)
    assert [link["text"] for link in links] == ["Unsubscribe", "Email preferences"]
    assert all(link["height"] >= 24 and link["width"] >= 24 for link in links)  # 28 px: WCAG 2.5.8
    first, second = links
    assert first["right"] + 8 <= second["left"] or first["top"] + first["height"] <= second["top"]  # apart
    page.screenshot(path=str(tmp_path / "letter-light.png"), full_page=True)

    page.emulate_media(color_scheme="dark")
    dark = page.evaluate(COLOURS)
    assert luminance(dark["body"]) < 0.02 and luminance(dark["card"]) < 0.03
    assert luminance(dark["title"]) > 0.7
    assert contrast_ratio(dark["title"], dark["card"]) >= 10
    assert dark["button"] == "rgb(255, 255, 255)" and dark["buttonBackground"] == light["buttonBackground"]  # brand
    assert _low_contrast(page) == []
    page.screenshot(path=str(tmp_path / "letter-dark.png"), full_page=True)
    assert (tmp_path / "letter-dark.png").stat().st_size > 10_000
