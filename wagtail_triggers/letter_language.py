"""A letter in its own words: its gettext tags as plain text of the letter's language.

The shipped letters are written once, in English, with ``{% translate %}`` and
``{% blocktranslate %}`` tags, and each language's copy gets its wording from the catalogue.
A Russian shop owner editing the Russian letter must see and change Russian text, not English
msgids, so the letter editor shows the letter *in its language*: :func:`in_language` replaces
each translation tag with its translation, keeping the ``{{ variables }}``.

The database copy keeps the shipped source until someone changes the text (the editor saves
it back unchanged when the shown text was not edited), so an unedited copy still matches its
shipped version and is brought along when the package is upgraded.

Plural forms (``{% blocktranslate count … %}``) become one branch per form of the language,
``{% if n|plural_form == 0 %}…{% elif n|plural_form == 1 %}…{% else %}…{% endif %}``, chosen
by the same formula ngettext uses. Left as tags: tags with a message context or ``asvar``, and
translations that contain template syntax themselves.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Template, TemplateSyntaxError
from django.template.base import Variable
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import trans_real

from .rendering import letter_engine

_TRANSLATION_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}|\{%\s*trans(?:late)?\s.*?%\}",
    re.S,
)


def _translate_tag(node: TranslateNode, *, html: bool) -> str | None:
    """A constant ``{% translate "…" %}``: its translation (escaped as the tag's output is in HTML)."""
    expression = node.filter_expression
    literal = getattr(expression.var, "literal", None) if isinstance(expression.var, Variable) else None
    if not isinstance(literal, str) or expression.filters or node.noop or node.asvar or node.message_context:
        return None
    translated = translation.gettext(literal)
    if "{" in translated:
        return None
    # The rendered tag escapes what HTML needs; the apostrophe reads better as itself.
    return escape(translated).replace("&#x27;", "'") if html else translated


def _block_translate_tag(node: BlockTranslateNode) -> str | None:
    """A ``{% blocktranslate [with …] %}``: its translation, the variables as ``{{ … }}``."""
    if node.asvar or node.message_context:
        return None
    bound = {name: value.token for name, value in node.extra_context.items()}
    if node.plural:
        if node.counter is None or " " in node.counter.token:
            return None  # a counter the {% if %} of the plural forms could not repeat as written
        return _plural_tag(node, {**bound, node.countervar: node.counter.token})
    singular, names = node.render_token_list(node.singular)
    translated = translation.gettext(singular)
    if "{" in translated:
        return None
    try:
        return translated % {name: "{{ " + bound.get(name, name) + " }}" for name in names}
    except (KeyError, ValueError, TypeError):
        return None


def plural_index(number: Any) -> int:
    """Which plural form the active language uses for ``number`` (its catalogue's formula:
    Russian has three, 1 день / 2 дня / 5 дней; English two)."""
    try:
        count = int(number)
    except (TypeError, ValueError):
        count = 0
    language = translation.get_language() or settings.LANGUAGE_CODE
    # Django keeps the formula of a language's catalogue on its translation object.
    return int(trans_real.translation(language).plural(abs(count)))


@lru_cache(maxsize=64)
def _form_samples(language: str) -> tuple[int, ...]:
    """One number for each plural form of ``language``, in the order of the forms."""
    samples: dict[int, int] = {}
    with translation.override(language):
        for number in range(200):
            samples.setdefault(plural_index(number), number)
    return tuple(samples[index] for index in sorted(samples))


def _plural_tag(node: BlockTranslateNode, bound: dict[str, str]) -> str | None:
    """A ``{% blocktranslate count … %}``: each plural form of the language as text, chosen by
    the ``plural_form`` filter (the formula ngettext uses), or by ``== 1`` for a message the
    catalogue lacks (ngettext then says the singular for 1 and the plural otherwise)."""
    singular, names = node.render_token_list(node.singular)
    plural, plural_names = node.render_token_list(node.plural)
    counter = bound[node.countervar]
    names = [*names, *plural_names]
    samples = _form_samples(translation.get_language())
    translated = any(translation.ngettext(singular, plural, sample) not in (singular, plural) for sample in samples)
    if not translated:
        samples = (1, 2)
    forms = []
    for sample in samples:
        text = translation.ngettext(singular, plural, sample)
        if "{" in text:
            return None
        try:
            forms.append(text % {name: "{{ " + bound.get(name, name) + " }}" for name in names})
        except (KeyError, ValueError, TypeError):
            return None
    if len(set(forms)) == 1:
        return forms[0]
    if not translated:
        return f"{{% if {counter} == 1 %}}{forms[0]}{{% else %}}{forms[1]}{{% endif %}}"
    branches = [
        f"{{% {'if' if index == 0 else 'elif'} {counter}|plural_form == {index} %}}{text}"
        for index, text in enumerate(forms[:-1])
    ]
    return "".join(branches) + f"{{% else %}}{forms[-1]}{{% endif %}}"


def plain_tag(tag: str, *, html: bool) -> str | None:
    """One translation tag as the active language's text, or None when it stays a tag."""
    try:
        nodes = Template(tag, engine=letter_engine(False)).nodelist
    except TemplateSyntaxError:
        return None
    node = nodes[0] if len(nodes) == 1 else None
    if isinstance(node, TranslateNode):
        return _translate_tag(node, html=html)
    if isinstance(node, BlockTranslateNode):
        return _block_translate_tag(node)
    return None


def in_language(source: str, language: str, *, html: bool) -> str:
    """``source`` with its translation tags replaced by their text in ``language``.

    ``html`` is true for the MJML body (constant translations are escaped there, as the tag's
    output would be) and false for the subject and preheader, which render without escaping.
    """
    if "{%" not in source:
        return source
    with translation.override(language):
        return _TRANSLATION_TAG.sub(lambda match: plain_tag(match.group(0), html=html) or match.group(0), source)


#: The letter's fields and whether each is HTML (see :func:`in_language`).
LETTER_FIELDS = {"subject": False, "preheader": False, "body": True}


def letter_in_language(fields: dict[str, str], language: str) -> dict[str, str]:
    """Subject, preheader and body of a letter, each in ``language``'s own words."""
    return {name: in_language(fields.get(name) or "", language, html=LETTER_FIELDS[name]) for name in LETTER_FIELDS}
