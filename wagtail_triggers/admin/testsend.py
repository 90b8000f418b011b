"""'Send me a test': a letter as the editor sees it now, to the editor and listed addresses.

A test letter is rendered from the template being edited (its latest revision, draft or
live), marked as a test (``[TEST]`` in the subject, ``X-Triggers-Test: 1``) and sent through
Django's email backend directly. It creates no Delivery row, so it is never counted in
statistics and never blocks or repeats a real letter.
"""

from __future__ import annotations

from dataclasses import replace
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.core.mail import get_connection
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import conf
from ..compose import build_message
from ..models import Contact, EmailTemplate, Scenario
from ..rendering import compile_letter, render_letter
from .previewing import letter_context

TEST_HEADER = "X-Triggers-Test"
MAX_RECIPIENTS = 20


def scenario_for(template: EmailTemplate) -> Scenario | None:
    """The scenario whose sender the test uses: one with a step sending this letter."""
    return (
        Scenario.objects.filter(steps__template_key=template.key).order_by("-enabled", "priority", "pk").first()
        or Scenario.objects.filter(kind=template.scenario_kind).order_by("-enabled", "priority", "pk").first()
    )


def send_test(
    template: EmailTemplate,
    recipients: list[str],
    *,
    contact: Contact | None = None,
    user=None,
    connection=None,
) -> int:
    """Render ``template`` and send it to ``recipients``; returns how many messages went out.

    Raises :class:`~wagtail_triggers.rendering.LetterError` if the letter does not render.
    """
    recipients = list(dict.fromkeys(address.strip().lower() for address in recipients if address.strip()))
    if not recipients:
        return 0
    context = letter_context(template.key, template.language, contact=contact, is_test=True)
    compiled = compile_letter(template.subject, template.preheader, template.body, template.language)
    letter = render_letter(compiled, context, template.language)
    letter = replace(letter, subject=_("[TEST] %(subject)s") % {"subject": letter.subject})
    scenario = scenario_for(template)
    domain = urlsplit(conf.base_url()).hostname or "wagtail-triggers.invalid"
    messages = [
        build_message(
            letter=letter,
            to=address,
            scenario=scenario,
            unsubscribe=context["links"]["unsubscribe"],
            msg_id=make_msgid("wagtail-triggers-test", domain=domain),
            extra_headers={TEST_HEADER: "1", "X-Triggers-Scenario": template.scenario_kind},
        )
        for address in recipients
    ]
    connection = connection or get_connection(fail_silently=False)
    sent = connection.send_messages(messages) or 0
    log(
        template,
        "wagtail_triggers.send_test",
        user=user,
        data={"to": recipients, "contact": contact.email if contact else None},
    )
    return sent
