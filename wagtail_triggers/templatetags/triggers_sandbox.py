"""Tags refused in letters: they would reach templates, files or internals beyond the context.

Registered as a builtin after Django's own, so these definitions win and the letter fails to
compile (when the editor saves it) with a clear message.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()

BLOCKED_TAGS = (
    "debug",
    "extends",
    "include",
    "load",
    "ssi",
    "lorem",
    "csrf_token",
    "url",
    "static",
)


def _refuse(parser, token):
    name = token.split_contents()[0]
    raise template.TemplateSyntaxError(_("The {%% %(tag)s %%} tag is not available in letters.") % {"tag": name})


for _name in BLOCKED_TAGS:
    register.tag(_name, _refuse)
