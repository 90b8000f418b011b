"""Admin views: small subclasses of Wagtail's generic views, one group per screen."""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log
from wagtail.snippets.views import snippets as snippet_views

from ..choices import StopReason
from ..consent import unsubscribe_contact
from ..labels import generated_step_name, scenario_name, step_name
from ..models import Contact, Delivery, EmailTemplate, Enrollment, Event, Scenario, Step
from ..privacy import PLACEHOLDER_EMAIL
from ..provisioning import reset_to_default
from ..rendering import LetterError
from ..shipped import shipped_source
from .forms import EnableForm, SendTestForm, describe_delay
from .letter_safety import LetterSafetyMixin
from .permissions import can_change_contacts, can_enable, can_forget_contacts, letter_policy
from .stats import with_last_week
from .switching import switch_off, switch_on
from .testsend import TestSendRefused, scenario_for, send_test

# -- scenarios --------------------------------------------------------------------------------


class ScenarioTitleColumn(TitleColumn):
    cell_template_name = "wagtail_triggers/admin/tables/scenario_title_cell.html"


class ChainColumn(Column):
    cell_template_name = "wagtail_triggers/admin/tables/chain_cell.html"

    def get_value(self, instance):
        chain = []
        for step in instance.steps.all():
            generated = generated_step_name(step)  # "A hidden 10 % discount" already says the coupon
            coupon = None if generated else step.coupon_percent
            name = generated or step_name(step)  # a built-in name in the admin's language
            chain.append({"step": step, "name": name, "wait": describe_delay(step.delay), "coupon": coupon})
        return chain


class StateColumn(Column):
    cell_template_name = "wagtail_triggers/admin/tables/state_cell.html"


class SwitchColumn(Column):
    cell_template_name = "wagtail_triggers/admin/tables/switch_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["can_enable"] = bool(request and can_enable(request.user))
        context["url"] = reverse(
            "wagtail_triggers_scenarios:disable" if instance.enabled else "wagtail_triggers_scenarios:enable",
            args=[instance.pk],
        )
        return context


class LastWeekColumn(Column):
    cell_template_name = "wagtail_triggers/admin/tables/last_week_cell.html"


class ScenarioIndexView(generic.IndexView):
    any_permission_required = ["add", "change", "delete", "view", "enable"]
    default_ordering = "priority"
    page_title = gettext_lazy("Trigger emails")

    def get_base_queryset(self):
        steps = Prefetch("steps", queryset=Step.objects.order_by("position"))
        return with_last_week(super().get_base_queryset()).prefetch_related(steps)

    def get_valid_orderings(self):
        return ["priority", "-priority", "name", "-name"]

    @cached_property
    def columns(self):
        def get_url(instance):
            return self.get_edit_url(instance)

        title = self._get_title_column_class(ScenarioTitleColumn)(
            "name", label=_("Scenario"), get_url=get_url, sort_key="name", accessor=scenario_name
        )
        return [
            title,
            ChainColumn("chain", label=_("Chain of letters")),
            StateColumn("enabled", label=_("State")),
            LastWeekColumn("last_week", label=_("Last 7 days")),
            SwitchColumn("switch", label=_("On/off")),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if can_enable(self.request.user) and not instance.enabled:
            buttons.append(
                Button(
                    _("Switch on, with past events…"),
                    url=reverse("wagtail_triggers_scenarios:enable", args=[instance.pk]),
                    icon_name="history",
                    priority=40,
                )
            )
        return buttons


class ScenarioEditView(generic.EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if history_url := self.get_history_url():
            buttons.append(Button(_("History"), url=history_url, icon_name="history", priority=40))
        return buttons

    def get_success_url(self):
        return reverse(self.index_url_name)


class ScenarioCreateView(generic.CreateView):
    page_title = gettext_lazy("New scenario")

    def get_success_url(self):
        return reverse(self.edit_url_name, args=[quote(self.object.pk)])


class ScenarioSwitchView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView):
    """Switch a scenario on (optionally with past events) or off, after a confirmation.

    A POST from the listing's switch comes without ``confirm``: switching on then happens at
    once (only future events count), and so does switching off when no chain is in progress.
    """

    model = Scenario
    permission_required = "enable"
    template_name = "wagtail_triggers/admin/scenario_switch.html"
    turn_on = True
    header_icon = "resubmit"

    def get_page_title(self):
        return _("Switch on") if self.turn_on else _("Switch off")

    def get_page_subtitle(self):
        return str(self.object)

    def get_form_class(self):
        return EnableForm if self.turn_on else forms.Form

    @cached_property
    def active_chains(self) -> int:
        return self.object.enrollments.filter(state=Enrollment.State.ACTIVE).count()

    @cached_property
    def next_url(self):
        return get_valid_next_url_from_request(self.request) or reverse("wagtail_triggers_scenarios:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object, turn_on=self.turn_on, active_chains=self.active_chains, next_url=self.next_url
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.POST.get("confirm"):
            if self.turn_on or not self.active_chains:
                return self.switch(None)
            url = reverse("wagtail_triggers_scenarios:disable", args=[self.object.pk])
            return redirect(f"{url}?next={self.next_url}")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        return self.switch(form.since_datetime() if isinstance(form, EnableForm) else None)

    def switch(self, since):
        scenario = self.object
        if self.turn_on:
            result = switch_on(scenario, user=self.request.user, since=since)
            if not result.changed:
                messages.info(self.request, _("'%(name)s' is already on.") % {"name": scenario})
            elif since:
                messages.success(
                    self.request,
                    ngettext(
                        "'%(name)s' is on. %(count)d chain started for recent events.",
                        "'%(name)s' is on. %(count)d chains started for recent events.",
                        result.started,
                    )
                    % {"name": scenario, "count": result.started},
                )
            else:
                messages.success(
                    self.request,
                    _("'%(name)s' is on. Only what happens from now on starts it.") % {"name": scenario},
                )
        else:
            result = switch_off(scenario, user=self.request.user)
            if not result.changed:
                messages.info(self.request, _("'%(name)s' is already off.") % {"name": scenario})
            else:
                messages.success(
                    self.request,
                    ngettext(
                        "'%(name)s' is off. %(count)d chain in progress was stopped.",
                        "'%(name)s' is off. %(count)d chains in progress were stopped.",
                        result.stopped,
                    )
                    % {"name": scenario, "count": result.stopped},
                )
        return redirect(self.next_url)


# -- letters ----------------------------------------------------------------------------------


class LetterLookupMixin:
    """Letter views outside the generic ones: the object, its latest revision and permissions."""

    model = EmailTemplate

    @cached_property
    def permission_policy(self):
        return letter_policy()

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(EmailTemplate, pk=kwargs["pk"])

    @cached_property
    def edit_url(self):
        return reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[self.object.pk])

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("wagtailsnippets_wagtail_triggers_emailtemplate:list"), "label": _("Letters")},
            {"url": self.edit_url, "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]


class SendTestView(LetterLookupMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Send the letter (its latest revision, draft or live) to the editor and listed addresses."""

    permission_required = "change"
    template_name = "wagtail_triggers/admin/send_test.html"
    form_class = SendTestForm
    header_icon = "mail"

    def get_page_title(self):
        return _("Send a test")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        scenario = scenario_for(self.object)
        return {"addresses": scenario.test_addresses if scenario else ""}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["edit_url"] = self.edit_url
        context["version"] = self.letter
        return context

    @cached_property
    def letter(self) -> EmailTemplate:
        return self.object.get_latest_revision_as_object()

    def form_valid(self, form):
        recipients = form.cleaned_data["recipients"]
        try:
            sent = send_test(self.letter, recipients, contact=form.cleaned_data.get("contact"), user=self.request.user)
        except TestSendRefused as error:  # not allowed: the limit, an outside or unsubscribed address
            form.add_error(None, error)
            return self.form_invalid(form)
        except LetterError as error:
            form.add_error(None, _("The letter cannot be rendered: %(error)s") % {"error": error})
            return self.form_invalid(form)
        except Exception as error:  # the mail server said no: tell the editor, keep the form
            form.add_error(None, _("The test could not be sent: %(error)s") % {"error": error})
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Test letter sent to %(addresses)s.") % {"addresses": ", ".join(recipients)}
            if sent
            else _("No test letter was sent."),
        )
        return redirect(self.edit_url)


class ResetToDefaultView(LetterLookupMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Put the shipped letter back as a new published revision (the history is kept)."""

    permission_required = "publish"
    template_name = "wagtail_triggers/admin/reset_letter.html"
    header_icon = "rotate"

    def get_page_title(self):
        return _("Reset to the shipped default")

    def dispatch(self, request, *args, **kwargs):
        try:
            shipped_source(self.object.key)
        except LookupError:
            raise Http404(_("This letter has no shipped default.")) from None
        lock = self.object.get_lock()
        if lock and lock.for_user(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(object=self.object, edit_url=self.edit_url)
        return context

    def post(self, request, *args, **kwargs):
        reset_to_default(self.object, user=request.user)
        log(self.object, "wagtail_triggers.reset", user=request.user)
        messages.success(request, _("'%(name)s' is the shipped letter again, and live.") % {"name": self.object})
        return redirect(self.edit_url)


class LetterEditView(LetterSafetyMixin, snippet_views.EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        pk = self.object.pk
        if self.user_has_permission("change"):
            buttons.append(
                Button(
                    _("Send a test"),
                    url=reverse("wagtailsnippets_wagtail_triggers_emailtemplate:send_test", args=[pk]),
                    icon_name="mail",
                    priority=5,
                )
            )
        if self.user_has_permission("publish"):
            try:
                shipped_source(self.object.key)
            except LookupError:
                pass
            else:
                buttons.append(
                    Button(
                        _("Reset to the shipped default"),
                        url=reverse("wagtailsnippets_wagtail_triggers_emailtemplate:reset", args=[pk]),
                        icon_name="rotate",
                        priority=50,
                    )
                )
        return buttons


class LetterCreateView(LetterSafetyMixin, snippet_views.CreateView):
    """Creating a letter; ``?key=…&language=…&from=<pk>`` starts from another language's copy."""

    def get_initial(self):
        initial = super().get_initial()
        key = self.request.GET.get("key", "")
        language = self.request.GET.get("language", "")
        if key:
            initial["key"] = key
        if language:
            initial["language"] = language
        source = None
        if self.request.GET.get("from", "").isdigit():
            source = EmailTemplate.objects.filter(pk=self.request.GET["from"]).first()
        if source is not None:
            initial.update(name=source.name, subject=source.subject, preheader=source.preheader, body=source.body)
        elif key:
            try:
                shipped = shipped_source(key)
            except LookupError:
                shipped = None
            if shipped:
                initial.update(subject=shipped.subject, preheader=shipped.preheader, body=shipped.body)
        return initial


# -- contacts ---------------------------------------------------------------------------------


class ConsentColumn(Column):
    cell_template_name = "wagtail_triggers/admin/tables/consent_cell.html"


class ContactIndexView(generic.IndexView):
    def get_base_queryset(self):
        # The anonymous placeholder of forgotten people is nobody: not listed, not exported.
        return super().get_base_queryset().exclude(email=PLACEHOLDER_EMAIL).order_by("-last_activity_at", "-pk")


class ContactDetailView(generic.InspectView):
    """A customer's letters, chains, events and consent, with the staff actions."""

    template_name = "wagtail_triggers/admin/contact_detail.html"
    page_title = gettext_lazy("Contact")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact: Contact = self.object
        context.update(
            contact=contact,
            deliveries=Delivery.objects.filter(contact=contact)
            .select_related("scenario")
            .order_by("-due_at", "-pk")[:50],
            enrollments=Enrollment.objects.filter(contact=contact)
            .select_related("scenario")
            .order_by("-started_at")[:50],
            events=Event.objects.filter(Q(contact=contact) | Q(email=contact.email)).order_by("-occurred_at")[:50],
            suppressions=contact.suppressions.select_related("scenario").order_by("-created_at"),
            can_act=can_change_contacts(self.request.user),
            can_forget=can_forget_contacts(self.request.user) and contact.email != PLACEHOLDER_EMAIL,
            export_url=reverse("wagtail_triggers_contacts:export", args=[contact.pk]),
            forget_url=reverse("wagtail_triggers_contacts:forget", args=[contact.pk]),
            unsubscribe_url=reverse("wagtail_triggers_contacts:unsubscribe", args=[contact.pk]),
            history_url=reverse("wagtail_triggers_contacts:history", args=[contact.pk]),
        )
        return context


class ContactHistoryView(HistoryView):
    any_permission_required = ["add", "change", "delete", "view"]


class ContactActionView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """POST-only staff actions on a contact; each lands in the audit log."""

    model = Contact
    permission_required = "change"
    http_method_names = ["post"]

    def redirect_back(self):
        return redirect(
            get_valid_next_url_from_request(self.request)
            or reverse("wagtail_triggers_contacts:inspect", args=[self.object.pk])
        )


class UnsubscribeContactView(ContactActionView):
    def post(self, request, *args, **kwargs):
        contact = self.object
        if unsubscribe_contact(contact, reason="staff"):
            log(contact, "wagtail_triggers.unsubscribe", user=request.user)
            messages.success(request, _("%(email)s will get no more trigger letters.") % {"email": contact.email})
        else:
            messages.info(request, _("%(email)s was already unsubscribed.") % {"email": contact.email})
        return self.redirect_back()


class RemoveFromChainView(ContactActionView):
    """GET asks for a confirmation (what stops, what is kept); POST stops the chain."""

    http_method_names = ["get", "post"]
    template_name = "wagtail_triggers/admin/remove_from_chain.html"
    header_icon = "warning"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.enrollment_pk = kwargs["enrollment_pk"]

    @cached_property
    def enrollment(self) -> Enrollment:
        return get_object_or_404(
            Enrollment.objects.select_related("scenario"), pk=self.enrollment_pk, contact=self.object
        )

    def get_page_title(self):
        return _("Remove from this chain")

    def get_page_subtitle(self):
        return str(self.object)

    def get(self, request, *args, **kwargs):
        if self.enrollment.state != Enrollment.State.ACTIVE:
            messages.info(request, _("That chain had already ended."))
            return self.redirect_back()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enrollment = self.enrollment
        context.update(
            object=self.object,
            enrollment=enrollment,
            queued=enrollment.deliveries.filter(status=Delivery.Status.QUEUED).count(),
            cancel_url=reverse("wagtail_triggers_contacts:inspect", args=[self.object.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        contact = self.object
        enrollment = self.enrollment
        if enrollment.state == Enrollment.State.ACTIVE:
            enrollment.stop(StopReason.REMOVED_BY_STAFF)
            log(
                contact,
                "wagtail_triggers.remove_from_chain",
                user=request.user,
                data={"scenario": enrollment.scenario.name, "scenario_id": enrollment.scenario_id},
            )
            messages.success(
                request,
                _("%(email)s was removed from '%(scenario)s'.")
                % {"email": contact.email, "scenario": enrollment.scenario},
            )
        else:
            messages.info(request, _("That chain had already ended."))
        return self.redirect_back()
