"""The hidden preheader: the line mail clients show after the subject, and nowhere else.

mjml-python renders ``<mj-preview>`` as a hidden ``<div>`` coloured ``#ffffff``. SpamAssassin
does not look at ``display:none`` before comparing colours: white text on the letter's white
or near-white background scores ``HTML_FONT_LOW_CONTRAST``. :func:`hide_preheader` rewrites
that ``<div>`` into the usual hidden-preheader pattern without any colour (so the text keeps
the page's dark default) and pads it with zero-width non-joiners and no-break spaces, so
clients that show ~100 characters of preview do not pull in the letter's first words after it.
"""

from __future__ import annotations

import re

#: Hidden in every client (``mso-hide`` for Outlook desktop), and no colour at all.
HIDDEN_STYLE = (
    "display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all"
)
#: Fills the rest of a client's preview line with nothing visible.
PADDING = "&zwnj;&nbsp;" * 90

# The first element of mjml-python's <body> is the <mj-preview> div (only when it has one).
_PREVIEW = re.compile(r'(<body\b[^>]*>\s*)<div style="display:none;[^"]*">(.*?)</div>', re.S | re.I)


def hide_preheader(html: str) -> str:
    """The compiled letter with its preview ``<div>`` in the SpamAssassin-safe hidden form."""

    def rewrite(match: re.Match[str]) -> str:
        return f'{match.group(1)}<div style="{HIDDEN_STYLE}">{match.group(2)}{PADDING}</div>'

    return _PREVIEW.sub(rewrite, html, count=1)
