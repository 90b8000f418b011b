"""Admin forms: scenario settings in plain terms, the chain of letters, the letter editor, tests."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Max
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .. import conf
from ..labels import scenario_description, step_name
from ..letter_language import LETTER_FIELDS, letter_in_language
from ..letter_versions import same_text
from ..models import Contact, EmailTemplate, Scenario, Step
from ..provisioning import SetupResult, create_steps, ensure_letters
from ..scenarios.base import KindOption
from ..scenarios.registry import UnknownKind, registry
from ..shipped import shipped_keys
from .choosers import contact_chooser_viewset
from .permissions import can_see_contacts
from .previewing import letter_context
from .testsend import MAX_RECIPIENTS, too_many_recipients
from .variables import unknown_variables, variable_groups
from .widgets import MJMLEditor, VariableInput

# -- delays -----------------------------------------------------------------------------------

UNITS = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]
UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400}


class DelayWidget(forms.MultiWidget):
    template_name = "wagtail_triggers/admin/widgets/delay.html"

    def __init__(self, attrs=None):
        super().__init__(
            [
                forms.NumberInput(attrs={"min": 0, "class": "w-triggers-delay__amount"}),
                forms.Select(choices=UNITS, attrs={"class": "w-triggers-delay__unit"}),
            ],
            attrs,
        )

    def decompress(self, value):
        if not isinstance(value, timedelta):
            return [None, "hours"]
        seconds = int(value.total_seconds())
        for unit in ("days", "hours", "minutes"):
            if seconds % UNIT_SECONDS[unit] == 0 and (seconds or unit == "hours"):
                return [seconds // UNIT_SECONDS[unit], unit]
        return [seconds // 60, "minutes"]


class DelayField(forms.MultiValueField):
    """A delay as "3 hours", "1 day": a number and a unit, cleaned to a timedelta."""

    widget = DelayWidget

    def __init__(self, **kwargs):
        fields = (forms.IntegerField(min_value=0, max_value=10000), forms.ChoiceField(choices=UNITS))
        super().__init__(fields, require_all_fields=True, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        amount, unit = data_list
        return timedelta(seconds=int(amount) * UNIT_SECONDS[unit])


def describe_delay(delay: timedelta) -> str:
    """ "1 h", "2 d", "30 min", "at once" — for the chain at a glance."""
    amount, unit = DelayWidget().decompress(delay)
    if not amount:
        return str(_("at once"))
    short = {"minutes": _("%(n)d min"), "hours": _("%(n)d h"), "days": _("%(n)d d")}[unit]
    return str(short) % {"n": amount}


# -- letters a step may send ------------------------------------------------------------------


def letter_key_choices(current: str = "") -> list[tuple[str, str]]:
    """Every letter key known here: shipped, in the database, or used by a step."""
    names = dict(EmailTemplate.objects.filter(language=conf.default_language()).order_by().values_list("key", "name"))
    keys = set(shipped_keys()) | set(EmailTemplate.objects.order_by().values_list("key", flat=True))
    keys |= set(Step.objects.order_by().values_list("template_key", flat=True))
    if current:
        keys.add(current)
    return [(key, f"{names[key]} ({key})" if key in names else key) for key in sorted(keys)]


class StepForm(forms.ModelForm):
    delay = DelayField(
        label=_("Wait"),
        help_text=_("After the previous letter; for the first letter, after the event that starts the chain."),
    )

    class Meta:
        model = Step
        fields = ["enabled", "name", "template_key", "delay", "coupon_percent", "coupon_valid_days"]
        labels = {
            "enabled": _("On"),
            "template_key": _("Letter"),
            "coupon_percent": _("Coupon, %"),
            "coupon_valid_days": _("Valid, days"),
        }
        widgets = {
            "coupon_percent": forms.NumberInput(attrs={"min": 1, "max": 100, "placeholder": "—"}),
            "coupon_valid_days": forms.NumberInput(attrs={"min": 1, "max": 365}),
        }

    def __init__(self, *args, key_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(key_choices or letter_key_choices(self.instance.template_key))
        if self.instance.pk is None:  # the empty row that adds a letter: untouched, it is ignored
            choices.insert(0, ("", _("Add a letter…")))
            self.fields["enabled"].initial = True
            self.fields["delay"].initial = timedelta(days=1)
        self.fields["template_key"] = forms.ChoiceField(label=_("Letter"), choices=choices)
        if self.instance.pk:  # a built-in name that states the coupon, with the current one
            self.initial["name"] = step_name(self.instance)

    def clean_coupon_percent(self):
        value = self.cleaned_data.get("coupon_percent")
        if value is not None and not 1 <= value <= 100:
            raise ValidationError(_("A coupon is between 1 and 100 %."))
        return value


class BaseStepFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["key_choices"] = self.key_choices
        return kwargs

    @cached_property
    def key_choices(self):
        return letter_key_choices()

    def get_queryset(self):
        return super().get_queryset().order_by("position")

    def save_new(self, form, commit=True):
        step = form.save(commit=False)
        step.scenario = self.instance
        highest = self.instance.steps.aggregate(n=Max("position"))["n"] or 0
        step.position = highest + 1
        if commit:
            step.save()
        return step


StepFormSet = inlineformset_factory(
    Scenario, Step, form=StepForm, formset=BaseStepFormSet, extra=1, can_delete=True, min_num=0
)

# -- scenario settings ------------------------------------------------------------------------


def kind_option_field(option: KindOption) -> forms.Field:
    """The form field of a kind's own option, from its declaration."""
    if option.type is bool:
        return forms.BooleanField(label=option.label, help_text=option.help_text, required=False)
    return forms.IntegerField(
        label=option.label,
        help_text=option.help_text,
        required=False,
        min_value=option.min_value,
        max_value=option.max_value,
    )


class ScenarioForm(WagtailAdminModelForm):
    """A scenario's settings in plain terms, and its chain of letters (a formset of steps).

    The settings every kind understands are model fields, shown where the kind uses them
    (the minimum value for cart and order kinds, "transactional" where the kind allows it);
    the kind's own options (``ScenarioKind.options``) get fields built from their declaration
    and are kept in ``Scenario.settings``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scenario = self.instance
        try:
            kind = scenario.kind_class
        except UnknownKind:
            kind = None
        hidden = set()
        if not (kind and kind.subject_type):
            hidden.add("min_total")
        if not (kind and kind.allows_transactional):
            hidden.add("transactional")
        if kind is None:
            hidden |= {"track_opens", "track_clicks"}
        for name in hidden & set(self.fields):
            del self.fields[name]
        self.kind_options = kind.options if kind else ()
        for option in self.kind_options:
            self.fields[option.name] = kind_option_field(option)
            self.initial[option.name] = scenario.option(option.name)
        if "test_addresses" in self.fields:
            self.fields["test_addresses"].widget.attrs.update(rows=3, placeholder="owner@example.com")
        if scenario.pk and "description" in self.fields:  # a built-in one with the chain's numbers
            self.initial["description"] = scenario_description(scenario)
        # An empty sender field means the site's value: show which one.
        site_sender = {"from_name": conf.get("TRIGGERS_SHOP_NAME"), "from_email": conf.from_email()}
        for name, value in {**site_sender, "reply_to": conf.reply_to()}.items():
            if name in self.fields and value:
                self.fields[name].widget.attrs.setdefault("placeholder", value)
        self.steps = StepFormSet(self.data if self.is_bound else None, instance=scenario, prefix="steps")

    @property
    def media(self):
        return super().media + self.steps.media

    def clean_test_addresses(self):
        value = self.cleaned_data.get("test_addresses", "")
        addresses = [line.strip() for line in value.splitlines() if line.strip()]
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(_("%(address)s is not an email address.") % {"address": address}) from None
        return "\n".join(addresses)

    def clean(self):
        data = super().clean()
        start, end = data.get("send_from"), data.get("send_until")
        if (start is None) != (end is None) or (start is not None and start == end):
            self.add_error("send_until", _("Choose both hours (different ones), or neither."))
        if data.get("test_mode") and not data.get("test_addresses"):
            self.add_error("test_addresses", _("Test mode needs at least one test address."))
        return data

    def is_valid(self):
        valid = super().is_valid()
        return self.steps.is_valid() and valid

    def has_changed(self):
        return super().has_changed() or self.steps.has_changed()

    def save(self, commit=True):
        options = {option.name: self.cleaned_data.get(option.name) for option in self.kind_options}
        self.instance.settings = {**self.instance.settings, **options}
        scenario = super().save(commit=commit)
        if commit:
            self.steps.instance = scenario
            self.steps.save()
        return scenario


class ScenarioCreateForm(WagtailAdminModelForm):
    """A new scenario of a registered kind, with the kind's default chain of letters."""

    kind = forms.ChoiceField(label=_("Kind"), help_text=_("What starts and stops the chain."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.kind, f"{k.name} — {k.description}") for k in registry]
        self.fields["kind"].widget = forms.RadioSelect(choices=self.fields["kind"].choices)

    def save(self, commit=True):
        scenario = self.instance
        kind = registry.get(self.cleaned_data["kind"])
        scenario.kind = kind.kind
        scenario.slug = unique_slug(scenario.name)
        for name, value in kind.default_settings.items():
            setattr(scenario, name, value)
        scenario.priority = kind.priority
        scenario.enabled = False
        scenario = super().save(commit=commit)
        if commit:
            result = SetupResult()
            create_steps(scenario, kind, result)
            ensure_letters(kind, result)
        return scenario


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "scenario"
    slug, n = base, 2
    while Scenario.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# -- switching on -----------------------------------------------------------------------------

SINCE_CHOICES = [
    ("", _("Only for what happens from now on")),
    ("1", _("Also for the last hour")),
    ("24", _("Also for the last 24 hours")),
    ("168", _("Also for the last 7 days")),
]


class EnableForm(forms.Form):
    since = forms.ChoiceField(
        label=_("Start chains"), choices=SINCE_CHOICES, required=False, widget=forms.RadioSelect, initial=""
    )

    def since_datetime(self):
        hours = self.cleaned_data.get("since")
        return timezone.now() - timedelta(hours=int(hours)) if hours else None


# -- letters ----------------------------------------------------------------------------------

KEY_PATTERN = re.compile(r"^[a-z0-9_]+/[a-z0-9_]+$")


class EmailTemplateForm(WagtailAdminModelForm):
    """The letter editor: code editor for the body, variable menus for subject and preheader."""

    preview_contact = forms.ModelChoiceField(
        queryset=Contact.objects.all(),
        required=False,
        label=_("Preview as"),
        help_text=_("Fill the preview with a real customer's name and cart or order. Empty: sample data."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if "language" in self.fields:
            self.fields["language"] = forms.ChoiceField(
                label=_("Language"),
                choices=[(code.split("-")[0], name) for code, name in settings.LANGUAGES],
                initial=conf.default_language(),
            )
        if "key" in self.fields:
            self.fields["key"].help_text = _("The scenario and the letter, e.g. forgotten_cart/reminder.")
            self.fields["key"].widget.attrs["list"] = "w-triggers-letter-keys"
        if "body" in self.fields:
            self.fields["body"].help_text = _(
                "Scripts, event handlers (onclick…), javascript: links, frames and forms are removed when the "
                "letter is saved: mail programs drop them anyway."
            )
        if instance.pk:
            for name in ("key", "language"):
                if name in self.fields:
                    self.fields[name].disabled = True
        if "preview_contact" in self.fields:
            if can_see_contacts(self.for_user):
                widget = contact_chooser_viewset.widget_class(attrs={"data-triggers-preview-input": ""})
                self.fields["preview_contact"].widget = widget
            else:
                del self.fields["preview_contact"]
        key = instance.key or self.initial.get("key") or ""
        language = instance.language or conf.default_language()
        self._show_in_language(instance)
        groups = variable_groups(key, language)
        for name in ("subject", "preheader"):
            if name in self.fields and isinstance(self.fields[name].widget, VariableInput):
                self.fields[name].widget.variables = [
                    (
                        group.title,
                        [v for v in group.variables if not v.name.startswith("line.") and "\n" not in v.snippet],
                    )
                    for group in groups
                    if group.name not in ("links", "letter")
                ]

    def _show_in_language(self, instance: EmailTemplate) -> None:
        """A saved letter is shown in its own language's words (see letter_language): the
        Russian letter's editor reads and edits Russian, not the shipped English msgids."""
        self.stored_text = {name: getattr(instance, name) or "" for name in LETTER_FIELDS}
        self.shown_text = letter_in_language(self.stored_text, instance.language) if instance.pk else {}
        if not self.is_bound:
            self.initial.update({name: text for name, text in self.shown_text.items() if name in self.fields})

    def clean(self):
        """Text posted as it was shown is kept as stored: an unedited shipped copy keeps its
        gettext source, so it still matches its shipped version and follows upgrades."""
        data = super().clean()
        for name, shown in self.shown_text.items():
            if name in data and same_text(data[name] or "", shown):
                data[name] = self.stored_text[name]
        key = data.get("key") or self.instance.key
        language = data.get("language") or self.instance.language or conf.default_language()
        sources = [data[name] for name in LETTER_FIELDS if data.get(name)]
        self.unknown_variables = unknown_variables(sources, key, language) if key and not self.errors else []
        return data

    def variable_warnings(self) -> list[str]:
        """One message per name the scenario does not have: it would render blank."""
        messages = []
        for unknown in getattr(self, "unknown_variables", []):
            if unknown.suggestion:
                message = _(
                    "“%(name)s” is not a variable of this scenario's letters and renders blank. "
                    "Did you mean “%(suggestion)s”?"
                )
            else:
                message = _("“%(name)s” is not a variable of this scenario's letters and renders blank.")
            messages.append(message % {"name": unknown.name, "suggestion": unknown.suggestion})
        return messages

    def clean_key(self):
        key = self.cleaned_data.get("key", "").strip()
        if not KEY_PATTERN.match(key):
            raise ValidationError(_("Use the form scenario/letter, with lowercase letters, digits and underscores."))
        return key

    def _post_clean(self):
        super()._post_clean()
        error = getattr(self.instance, "letter_error", None)
        if error is not None and error.line and error.field in self.fields:
            widget = self.fields[error.field].widget
            if isinstance(widget, MJMLEditor):
                widget.error_line = error.line

    def save(self, commit=True):
        contact = self.cleaned_data.get("preview_contact")
        if contact is not None:
            self.instance.preview_context = letter_context(self.instance.key, self.instance.language, contact=contact)
        else:
            self.instance.preview_context = None
        return super().save(commit=commit)


# -- test letters -----------------------------------------------------------------------------


class SendTestForm(forms.Form):
    to_me = forms.BooleanField(label=_("Send to me"), required=False, initial=True)
    addresses = forms.CharField(
        label=_("Also send to"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address per line, e.g. the scenario's test addresses."),
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.all(),
        required=False,
        label=_("Fill in as"),
        help_text=_("A real customer's name and cart or order. Empty: sample data."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        email = getattr(user, "email", "")
        if email:
            self.fields["to_me"].label = _("Send to me (%(email)s)") % {"email": email}
        else:
            del self.fields["to_me"]
        if can_see_contacts(user):
            self.fields["contact"].widget = contact_chooser_viewset.widget_class()
        else:
            del self.fields["contact"]

    def clean(self):
        data = super().clean()
        recipients = [line.strip() for line in data.get("addresses", "").replace(",", "\n").splitlines()]
        recipients = [address for address in recipients if address]
        for address in recipients:
            try:
                validate_email(address)
            except ValidationError:
                self.add_error("addresses", _("%(address)s is not an email address.") % {"address": address})
        if data.get("to_me") and self.user is not None and self.user.email:
            recipients.insert(0, self.user.email)
        if not recipients and not self.errors:
            raise ValidationError(_("Choose at least one address."))
        if len(recipients) > MAX_RECIPIENTS:
            raise ValidationError(too_many_recipients())
        data["recipients"] = recipients
        return data
