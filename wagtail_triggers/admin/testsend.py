"""'Send me a test': a letter as the editor sees it now, to the editor and known addresses.

A test letter is rendered from the template being edited (its latest revision, draft or
live), marked as a test (``[TEST]`` in the subject, ``X-Triggers-Test: 1``) and sent through
Django's email backend directly. It creates no Delivery row, so it is never counted in
statistics and never blocks or repeats a real letter.

Editing a letter must not make the admin an open relay, so a test goes only to:

- the editor's own address, the test addresses of the letter's scenarios, and the
  addresses of staff users — unless the editor holds
  ``wagtail_triggers.send_test_to_any_address``;
- never to an address that is unsubscribed, suppressed or forgotten (whatever the permission);
- at most ``TRIGGERS_TEST_SEND_LIMIT`` messages per editor per ``TRIGGERS_TEST_SEND_WINDOW``.

Every send is a :class:`~wagtail_triggers.models.letters.TestSend` row (who, which letter,
to whom, when, how many went out) and an audit log entry.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from .. import conf
from ..compose import build_message
from ..headers import new_message_id
from ..mail import letters_connection
from ..models import Contact, EmailTemplate, Scenario
from ..models.letters import TestSend
from ..privacy import erased_among
from ..rendering import compile_letter, render_letter
from .previewing import letter_context

TEST_HEADER = "X-Triggers-Test"
MAX_RECIPIENTS = 20
ANY_ADDRESS_PERMISSION = "wagtail_triggers.send_test_to_any_address"


class TestSendRefused(ValidationError):
    """A test letter that may not go out as asked; the message says why, for the form."""


def scenario_for(template: EmailTemplate) -> Scenario | None:
    """The scenario whose sender the test uses: one with a step sending this letter."""
    return (
        Scenario.objects.filter(steps__template_key=template.key).order_by("-enabled", "priority", "pk").first()
        or Scenario.objects.filter(kind=template.scenario_kind).order_by("-enabled", "priority", "pk").first()
    )


def _normalise(addresses: list[str]) -> list[str]:
    return list(dict.fromkeys(address.strip().lower() for address in addresses if address.strip()))


def may_send_anywhere(user) -> bool:
    return bool(user is not None and user.has_perm(ANY_ADDRESS_PERMISSION))


def known_addresses(template: EmailTemplate, user) -> set[str]:
    """Where a test may go without the "any address" permission."""
    allowed = {(getattr(user, "email", "") or "").strip().lower()} - {""}
    scenarios = Scenario.objects.filter(Q(steps__template_key=template.key) | Q(kind=template.scenario_kind)).distinct()
    for scenario in scenarios:
        allowed.update(scenario.test_address_list())
    return allowed


def _staff_addresses(addresses: list[str]) -> set[str]:
    """Those of ``addresses`` that belong to active staff users (admins of this site)."""
    if not addresses:
        return set()
    users = get_user_model().objects.filter(is_active=True)
    match = Q()
    for address in addresses:
        match |= Q(email__iexact=address)
    staff = Q(is_staff=True) | Q(is_superuser=True) | Q(groups__permissions__codename="access_admin")
    return {email.lower() for email in users.filter(match).filter(staff).values_list("email", flat=True)}


def suppressed_addresses(addresses: list[str]) -> set[str]:
    """Those of ``addresses`` no letter may reach: unsubscribed, suppressed or forgotten."""
    if not addresses:
        return set()
    refused: set[str] = set()
    match = Q()
    for address in addresses:
        match |= Q(email__iexact=address)
    for contact in Contact.objects.filter(match):
        if contact.is_suppressed(pauses=False):  # unsubscribed, bounced, complained, staff, forgotten
            refused.add(contact.email.lower())
    refused.update(address.lower() for address in erased_among(addresses))
    return refused


def too_many_recipients() -> str:
    """The refusal for more than ``MAX_RECIPIENTS`` addresses (the form and the sender share it)."""
    return ngettext("At most %(n)d address at a time.", "At most %(n)d addresses at a time.", MAX_RECIPIENTS) % {
        "n": MAX_RECIPIENTS
    }


def check_recipients(template: EmailTemplate, recipients: list[str], user) -> list[str]:
    """The normalised recipients, or :class:`TestSendRefused` naming the refused ones."""
    recipients = _normalise(recipients)
    if len(recipients) > MAX_RECIPIENTS:
        raise TestSendRefused(too_many_recipients())
    blocked = suppressed_addresses(recipients)
    if blocked:
        raise TestSendRefused(
            _("These addresses unsubscribed or may not be mailed: %(addresses)s.")
            % {"addresses": ", ".join(sorted(blocked))}
        )
    if not may_send_anywhere(user):
        allowed = known_addresses(template, user)
        unknown = [address for address in recipients if address not in allowed]
        unknown = [address for address in unknown if address not in _staff_addresses(unknown)]
        if unknown:
            raise TestSendRefused(
                _("Test letters go only to you, the scenario's test addresses and staff; not to %(addresses)s.")
                % {"addresses": ", ".join(unknown)}
            )
    return recipients


def masked_recipients(addresses: list[str]) -> list[str]:
    """``addresses`` with customers' ones replaced by "a customer", for the audit log."""
    lowered = [address.lower() for address in addresses]
    customers = {
        email.lower() for email in Contact.objects.filter(email__in=lowered).values_list("email", flat=True)
    } - _staff_addresses(lowered)
    return [_mask(address) if address.lower() in customers else address for address in addresses]


def _mask(address: str) -> str:
    return _("a customer")


def sent_recently(user, now=None) -> int:
    """How many test messages ``user`` sent in the current window."""
    now = now or timezone.now()
    since = now - conf.get("TRIGGERS_TEST_SEND_WINDOW")
    rows = TestSend.objects.filter(user=user, created_at__gt=since)
    return rows.aggregate(n=Sum("requested"))["n"] or 0


def _reserve(template: EmailTemplate, recipients: list[str], user) -> TestSend:
    """Record the send before it happens, under a lock on the user, within the limit."""
    limit = conf.get("TRIGGERS_TEST_SEND_LIMIT")
    with transaction.atomic():
        if user is not None and user.pk:
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # serialise one user's posts
            used = sent_recently(user)
            if used + len(recipients) > limit:
                left = max(limit - used, 0)
                allowed = ngettext(
                    "You may send %(limit)d test letter per %(window)s;",
                    "You may send %(limit)d test letters per %(window)s;",
                    limit,
                ) % {"limit": limit, "window": _window_text()}
                remaining = ngettext("%(left)d left now.", "%(left)d left now.", left) % {"left": left}
                raise TestSendRefused(f"{allowed} {remaining} {_('Try again later.')}")
        return TestSend.objects.create(
            user=user if user is not None and user.pk else None,
            template=template if template.pk else None,
            template_key=template.key,
            recipients=recipients,
            requested=len(recipients),
        )


def _window_text() -> str:
    seconds = int(conf.get("TRIGGERS_TEST_SEND_WINDOW").total_seconds())
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return _("hour") if hours == 1 else ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    minutes = max(seconds // 60, 1)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def send_test(
    template: EmailTemplate,
    recipients: list[str],
    *,
    contact: Contact | None = None,
    user=None,
    connection=None,
) -> int:
    """Render ``template`` and send it to ``recipients``; returns how many messages went out.

    Raises :class:`TestSendRefused` when the rules above refuse it, and
    :class:`~wagtail_triggers.rendering.LetterError` if the letter does not render.
    """
    recipients = check_recipients(template, recipients, user)
    if not recipients:
        return 0
    context = letter_context(template.key, template.language, contact=contact, is_test=True)
    compiled = compile_letter(template.subject, template.preheader, template.body, template.language)
    letter = render_letter(compiled, context, template.language)
    letter = replace(letter, subject=_("[TEST] %(subject)s") % {"subject": letter.subject})
    scenario = scenario_for(template)
    messages = [
        build_message(
            letter=letter,
            to=address,
            scenario=scenario,
            unsubscribe=context["links"]["unsubscribe"],
            msg_id=new_message_id(),
            extra_headers={TEST_HEADER: "1", "X-Triggers-Scenario": template.scenario_kind},
        )
        for address in recipients
    ]
    record = _reserve(template, recipients, user)
    connection = letters_connection() if connection is None else connection
    try:
        sent = connection.send_messages(messages) or 0
    except Exception as error:
        TestSend.objects.filter(pk=record.pk).update(error=f"{type(error).__name__}: {error}"[:2000])
        raise
    TestSend.objects.filter(pk=record.pk).update(sent=sent)
    log(
        template,
        "wagtail_triggers.send_test",
        user=user,
        data={"to": recipients, "contact_id": contact.pk if contact else None, "sent": sent},
    )
    return sent
