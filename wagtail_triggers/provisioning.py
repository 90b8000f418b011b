"""Creating the built-in scenarios and their letters (``manage.py triggers_setup``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from . import conf
from .letter_versions import content_digest, is_released_version
from .models import EmailTemplate, Scenario, Step
from .scenarios.base import ScenarioKind
from .scenarios.registry import registry
from .shipped import shipped_source


@dataclass
class SetupResult:
    scenarios_created: int = 0
    steps_created: int = 0
    templates_created: int = 0
    templates_refreshed: int = 0  # unedited copies brought to the new shipped letter
    templates_customised: list[str] = field(default_factory=list)  # edited copies, kept
    templates_in_progress: list[str] = field(default_factory=list)  # a draft or unpublished: kept
    missing: list[str] = field(default_factory=list)


def ensure_scenario(kind: ScenarioKind, result: SetupResult) -> Scenario:
    scenario, created = Scenario.objects.get_or_create(
        slug=kind.kind.replace("_", "-"),
        defaults={
            "kind": kind.kind,
            "name": str(kind.name),
            "description": str(kind.description),
            "priority": kind.priority,
            **kind.default_settings,
            "enabled": False,
        },
    )
    result.scenarios_created += created
    if created:
        create_steps(scenario, kind, result)
    return scenario


def create_steps(scenario: Scenario, kind: ScenarioKind, result: SetupResult) -> None:
    """Give a new scenario its kind's default chain."""
    for position, spec in enumerate(kind.default_steps, start=1):
        Step.objects.create(
            scenario=scenario,
            position=position,
            name=str(spec.name),
            template_key=spec.key,
            delay=spec.delay,
            coupon_percent=spec.coupon_percent,
            coupon_valid_days=spec.coupon_valid_days,
        )
        result.steps_created += 1


def ensure_letters(kind: ScenarioKind, result: SetupResult) -> None:
    """Database copies of the kind's shipped letters in every language (missing files noted)."""
    for spec in kind.default_steps:
        for language in conf.supported_languages():
            try:
                ensure_template(spec.key, language, f"{kind.name}: {spec.name}", result)
            except LookupError:
                result.missing.append(f"{spec.key} [{language}]")  # a site's kind: editors write it


def ensure_template(key: str, language: str, name: str, result: SetupResult) -> EmailTemplate:
    """Create the database copy of a shipped letter (never overwrites an editor's copy).

    An existing copy nobody edited follows the shipped letter (see :func:`follow_shipped`).
    """
    existing = EmailTemplate.objects.filter(key=key, language=language).first()
    if existing:
        follow_shipped(existing, result)
        return existing
    source = shipped_source(key)
    template = EmailTemplate(
        key=key,
        language=language,
        name=name,
        subject=source.subject,
        preheader=source.preheader,
        body=source.body,
    )
    template.full_clean()
    template.save()
    template.save_revision().publish()
    result.templates_created += 1
    return template


def reset_to_default(template: EmailTemplate, user=None) -> EmailTemplate:
    """Put the shipped letter back as a new published revision (history is kept)."""
    source = shipped_source(template.key)
    template.subject, template.preheader, template.body = (
        source.subject,
        source.preheader,
        source.body,
    )
    template.full_clean()
    template.save_revision(user=user).publish(user=user)
    return template


def follow_shipped(template: EmailTemplate, result: SetupResult) -> None:
    """Bring an unedited copy to the current shipped letter after an upgrade.

    Unedited means the live content equals a released version of the shipped letter
    (``shipped_letters.json``); the new one is published as a revision with no user, so the
    old text stays in the history. Edited copies, and copies an editor has a draft of or has
    unpublished, are left as they are and listed in ``result``.
    """
    try:
        source = shipped_source(template.key)
    except LookupError:
        return  # the site's own letter, or one no longer shipped
    content = (template.subject, template.preheader, template.body)
    if content_digest(*content) == content_digest(source.subject, source.preheader, source.body):
        return
    label = f"{template.key} [{template.language}]"
    if not is_released_version(template.key, *content):
        result.templates_customised.append(label)
    elif template.has_unpublished_changes or not template.live or template.locked:
        result.templates_in_progress.append(label)
    else:
        reset_to_default(template)
        result.templates_refreshed += 1


@transaction.atomic
def setup_builtins() -> SetupResult:
    """Idempotent: creates what is missing, leaves existing scenarios and edited letters alone.

    Letters nobody edited follow the shipped version (an upgrade delivers the new copy).
    """
    result = SetupResult()
    for kind in registry:
        if not kind.default_steps:
            continue
        ensure_scenario(kind, result)
        ensure_letters(kind, result)
    return result
