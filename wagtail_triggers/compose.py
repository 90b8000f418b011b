"""Composing one letter: pick the template, build the context, render, wrap as an email."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db.models import Case, CharField, Value, When

from . import conf, coupons
from .context import coupon_context, delivery_context
from .headers import list_unsubscribe, message_id_header, new_message_id
from .models import Contact, Delivery, EmailTemplate, Scenario
from .recommendations import for_letter as recommended_products
from .rendering import RenderedLetter, compile_letter, render_letter
from .shipped import LetterSource, shipped_source


def letter_language(contact: Contact) -> str:
    language = (contact.language or "").split("-")[0].lower()
    return language if language in conf.supported_languages() else conf.default_language()


def letter_source(key: str, language: str) -> tuple[LetterSource, str]:
    """The live database letter in ``language`` (or the default language), else the shipped file."""
    return letter_sources({(key, language)})[(key, language)]


def letter_sources(wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[LetterSource, str]]:
    """:func:`letter_source` of many ``(key, language)`` pairs with one query (a batch of letters)."""
    wanted = set(wanted)
    default = conf.default_language()
    languages = {language for _key, language in wanted} | {default}
    rows = {
        (row.key, row.language): row
        for row in EmailTemplate.objects.filter(
            key__in={key for key, _language in wanted}, live=True, language__in=languages
        ).only("key", "language", "subject", "preheader", "body")
    }
    found: dict[tuple[str, str], tuple[LetterSource, str]] = {}
    for key, language in wanted:
        row = rows.get((key, language)) or rows.get((key, default))
        if row is not None:
            found[(key, language)] = (LetterSource(key, row.subject, row.preheader, row.body), row.language)
        else:
            found[(key, language)] = (shipped_source(key), language)
    return found


@dataclass(frozen=True)
class Composed:
    message: EmailMultiAlternatives
    letter: RenderedLetter
    language: str


def _sender_name(scenario: Scenario | None) -> str:
    return (scenario.from_name if scenario else "") or conf.get("TRIGGERS_SHOP_NAME")


def _named(address: str, name: str) -> str:
    return formataddr((name, address)) if name and "<" not in address else address


def sender(scenario: Scenario | None) -> str:
    """``From``: the scenario's sender, else ``TRIGGERS_FROM_EMAIL`` and the shop's name."""
    address = (scenario.from_email if scenario else "") or conf.from_email()
    return _named(address, _sender_name(scenario))


def reply_to(scenario: Scenario | None) -> str:
    """``Reply-To`` (letters say "reply to this email"): the scenario's, else
    ``TRIGGERS_REPLY_TO`` (by default ``TRIGGERS_SUPPORT_EMAIL``); "" when there is none."""
    address = (scenario.reply_to if scenario else "") or conf.reply_to()
    return _named(address, _sender_name(scenario)) if address else ""


def assign_message_id(delivery: Delivery) -> str:
    """The delivery's Message-ID, drawn once and stored before the first attempt.

    Retries reuse it, so a receiving server can drop a duplicate, and the delivery is found
    again by it (``Delivery.message_id`` is indexed). Drawn when the letter is first composed
    rather than by a data migration: rows queued before an upgrade get one the same way, and
    rows already tried keep the id their earlier attempt carried.
    """
    assign_message_ids([delivery])
    return delivery.message_id


def assign_message_ids(deliveries: Iterable[Delivery]) -> None:
    """:func:`assign_message_id` for a claimed batch: one UPDATE for the rows without an id.

    Only the worker holding a row's claim composes it, so nobody else draws its id meanwhile.
    """
    deliveries = list(deliveries)
    drawn = {delivery.pk: new_message_id() for delivery in deliveries if not delivery.message_id}
    if not drawn:
        return
    Delivery.objects.filter(pk__in=drawn, message_id="").update(
        message_id=Case(*(When(pk=pk, then=Value(value)) for pk, value in drawn.items()), output_field=CharField())
    )
    for delivery in deliveries:
        delivery.message_id = drawn.get(delivery.pk, delivery.message_id)


def build_message(
    *,
    letter: RenderedLetter,
    to: str,
    scenario: Scenario | None,
    unsubscribe: str,
    msg_id: str,
    extra_headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The message every letter and every test letter is sent as: ``From``, ``Reply-To``,
    one-click ``List-Unsubscribe`` and ``Message-ID`` plain on the wire, text and HTML."""
    headers = {
        **list_unsubscribe(unsubscribe),
        "Message-ID": message_id_header(msg_id),
        **(extra_headers or {}),
    }
    answer = reply_to(scenario)
    message = EmailMultiAlternatives(
        subject=letter.subject,
        body=letter.text,
        from_email=sender(scenario),
        to=[to],
        reply_to=[answer] if answer else None,
        headers=headers,
    )
    message.attach_alternative(letter.html, "text/html")
    return message


def issue_coupon(delivery: Delivery, now: datetime) -> dict[str, Any] | None:
    """The delivery's coupon, issued once: a retried letter reuses the code it got.

    Valid through the printed day in the contact's time zone; names the earlier code of the
    chain it replaces (see :mod:`wagtail_triggers.coupons`)."""
    step = delivery.step
    if step is None or not step.coupon_percent:
        return None
    if delivery.coupon_code:  # a retry: the same code, and the same note on the code it replaced
        replaces = coupons.replaced_code(delivery, now)
    else:
        replaces = coupons.issue_for(
            delivery,
            percent=step.coupon_percent,
            valid_days=step.coupon_valid_days,
            now=now,
            provider=conf.coupon_provider(),
        )
    return coupon_context(
        delivery.coupon_code,
        step.coupon_percent,
        delivery.coupon_expires_at,
        zone=coupons.contact_zone(delivery.contact),
        replaces=replaces,
    )


def compose_delivery(
    delivery: Delivery,
    now: datetime,
    *,
    source: tuple[LetterSource, str] | None = None,
    steps: int | None = None,
) -> Composed:
    """The letter of ``delivery``, ready to send. The send path passes what it looked up for
    the whole batch: the letter's ``source`` (see :func:`letter_sources`) and the chain's
    number of ``steps``; without them they are looked up here."""
    contact = delivery.contact
    scenario = delivery.scenario
    source, language = source or letter_source(delivery.template_key, letter_language(contact))
    context = delivery_context(
        delivery,
        language=language,
        coupon=issue_coupon(delivery, now),
        recommendations=recommended_products(contact, delivery.enrollment.snapshot, source.body),
        now=now,
        steps=steps,
    )
    letter = render_letter(compile_letter(source.subject, source.preheader, source.body, language), context, language)
    message = build_message(
        letter=letter,
        to=contact.email,
        scenario=scenario,
        unsubscribe=context["links"]["unsubscribe"],
        msg_id=assign_message_id(delivery),
        extra_headers={"X-Triggers-Scenario": scenario.kind},
    )
    return Composed(message=message, letter=letter, language=language)
