"""One name everywhere: the menu says "Letters", and so do the letter screens' titles and
breadcrumbs; nothing in the admin says "email template" or points to a "Snippets" menu."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

from wagtail_triggers.models import EmailTemplate

ROOT = Path(__file__).resolve().parents[2]


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_letter_screens_are_called_letters_like_the_menu(admin_client):
    letter = EmailTemplate.objects.order_by("pk").first()
    listing = admin_client.get(reverse("wagtailsnippets_wagtail_triggers_emailtemplate:list")).content.decode()
    assert re.search(r"<title>\s*Letters", listing)
    edit = admin_client.get(reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[letter.pk]))
    breadcrumbs = re.search(r'<nav[^>]*aria-label="Breadcrumb".*?</nav>', edit.content.decode(), re.S).group(0)
    assert "Letters" in _visible(breadcrumbs)
    home = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    for page in (listing, edit.content.decode(), home):
        assert "email template" not in _visible(page).lower()
    assert EmailTemplate._meta.verbose_name_plural == "letters"


def test_the_docs_name_the_menu_that_exists():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        assert "Snippets →" not in text and "Snippets ->" not in text, path
