"""Panels of the scenario and letter edit screens."""

from __future__ import annotations

from django.urls import reverse
from django.utils.safestring import mark_safe
from wagtail.admin.panels import FieldPanel, Panel, TabbedInterface

from .. import conf
from ..compose import reply_to, sender
from ..models import EmailTemplate, Scenario, Step
from ..scenarios.registry import UnknownKind, registry
from .permissions import can_enable
from .variables import partials, variable_groups


class KindOptionPanel(FieldPanel):
    """A kind's own option (``ScenarioKind.options``): not a model field, so it adds nothing to
    the form class; ``ScenarioForm`` adds the field for the scenario's kind, and the panel is
    shown only where the form has it."""

    def get_form_options(self):
        return {}


class ScenarioInterface(TabbedInterface):
    """The scenario edit screen's tabs. The kind's options are placed by their
    ``KindOptionPanel``; Wagtail would render them once more below the tabs as fields no panel
    claims (it knows only the model form's fields), so they count as claimed here."""

    class BoundPanel(TabbedInterface.BoundPanel):
        def render_missing_fields(self):
            claimed = set(self.panel.get_form_options().get("fields", []))
            claimed |= {option.name for option in getattr(self.form, "kind_options", ())}
            return mark_safe("".join(str(self.form[name]) for name in self.form.fields if name not in claimed))


def kind_option_panels(section: str) -> list[Panel]:
    """A panel for each option of this section that a registered kind declares."""
    names = dict.fromkeys(option.name for kind in registry for option in kind.options if option.section == section)
    return [KindOptionPanel(name) for name in names]


class LetterBodyPanel(FieldPanel):
    """The MJML code editor with the reference of the letter's variables beside it."""

    class BoundPanel(FieldPanel.BoundPanel):
        template_name = "wagtail_triggers/admin/panels/letter_body.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            instance = self.form.instance if self.form is not None else self.instance
            key = instance.key or (self.form.initial.get("key", "") if self.form is not None else "")
            context["groups"] = variable_groups(key, instance.language or conf.default_language())
            context["partials"] = partials()
            return context


class LetterUsePanel(Panel):
    """Where the letter is sent from, and the same letter in the other languages."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_triggers/admin/panels/letter_use.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            letter = self.instance
            steps = (
                Step.objects.filter(template_key=letter.key).select_related("scenario").order_by("scenario", "position")
            )
            siblings = {row.language: row for row in EmailTemplate.objects.filter(key=letter.key)}
            edit = "wagtailsnippets_wagtail_triggers_emailtemplate:edit"
            languages = []
            for code in conf.supported_languages():
                row = siblings.get(code)
                if row is not None:
                    url = reverse(edit, args=[row.pk])
                else:
                    url = reverse("wagtailsnippets_wagtail_triggers_emailtemplate:add") + (
                        f"?key={letter.key}&language={code}&from={letter.pk}"
                    )
                languages.append(
                    {"code": code, "row": row, "url": url, "current": row is not None and row.pk == letter.pk}
                )
            context.update(
                steps=[
                    {"step": step, "url": reverse("wagtail_triggers_scenarios:edit", args=[step.scenario_id])}
                    for step in steps
                ],
                languages=languages,
                default_language=conf.default_language(),
            )
            return context


class StepsPanel(Panel):
    """The chain: one row per letter, with its delay, on/off switch and coupon."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_triggers/admin/panels/steps.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            formset = self.form.steps
            letters = {}
            for row in EmailTemplate.objects.filter(key__in=[f.instance.template_key for f in formset.forms]):
                letters.setdefault(row.key, []).append(row)
            rows = []
            for form in formset.forms:
                rows.append({"form": form, "letters": letters.get(form.instance.template_key, [])})
            context.update(formset=formset, rows=rows)
            return context


class ScenarioSummaryPanel(Panel):
    """What the scenario does and when it stops, in plain words, and whether it is on."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_triggers/admin/panels/scenario_summary.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            scenario: Scenario = self.instance
            try:
                kind = scenario.kind_class
            except UnknownKind:
                kind = None
            context.update(
                scenario=scenario,
                kind=kind,
                sender=sender(scenario),
                reply_to=reply_to(scenario),
                shop_address=conf.get("TRIGGERS_SHOP_ADDRESS"),
                can_enable=bool(self.request and can_enable(self.request.user)),
                enable_url=reverse("wagtail_triggers_scenarios:enable", args=[scenario.pk]),
                disable_url=reverse("wagtail_triggers_scenarios:disable", args=[scenario.pk]),
            )
            return context
