"""The Russian catalogue is complete, and letters go out in the contact's language."""

from __future__ import annotations

import re
from pathlib import Path

from django.core import mail

import wagtail_triggers

PO = Path(wagtail_triggers.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_to_russian_and_none_is_fuzzy():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text.split("\n\n", 1)[1]
    blocks = [b for b in text.split("\n\n")[1:] if "msgid" in b]
    untranslated = [b for b in blocks if re.search(r'^msgstr(\[\d\])? ""\n(?!")', b + "\n", re.M)]
    assert len(blocks) > 300
    assert untranslated == []
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 5


def test_a_russian_speaking_contact_gets_the_russian_letter(enable, clock, events):
    enable("forgotten_cart")
    events.cart(customer={"language": "ru"})
    events.cart(email="bob@example.com", cart_id="c2", customer={"language": "de"})  # unsupported: default
    clock.tick(minutes=61)
    by_address = {m.to[0]: m for m in mail.outbox}
    russian, english = by_address["anna@example.com"], by_address["bob@example.com"]
    assert re.search("[а-я]", russian.subject) and re.search("[а-я]", russian.body)
    assert "14,90" in russian.body  # Russian number format
    assert english.subject == "You left something in your cart"
