"""Admin actions for data rights: download a contact's data, forget a person.

Export needs any permission on contacts (whoever may see a contact may hand them their data);
forgetting needs its own ``wagtail_triggers.forget_contact``, because it cannot be undone.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.log_actions import log

from ..models import Contact
from ..privacy import PLACEHOLDER_EMAIL, UnknownPerson, export_contact_json, forget_contact


class ExportContactView(PermissionCheckedMixin, BaseObjectMixin, View):
    """Everything stored about the contact as a JSON download (logged in the audit log)."""

    model = Contact
    any_permission_required = ["view", "change"]

    def get(self, request, *args, **kwargs):
        contact: Contact = self.object
        try:
            body = export_contact_json(contact.email)
        except (ValueError, UnknownPerson):  # the placeholder, or an address stored malformed
            raise Http404(_("There is no personal data to export for this contact.")) from None
        log(contact, "wagtail_triggers.export", user=request.user)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
        return response


class ForgetContactView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """A confirmation page; the POST erases the person (see :func:`forget_contact`)."""

    model = Contact
    permission_required = "forget"
    template_name = "wagtail_triggers/admin/contact_forget.html"
    header_icon = "warning"

    def get_page_title(self):
        return _("Forget this person")

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact: Contact = self.object
        context.update(
            object=contact,
            cancel_url=reverse("wagtail_triggers_contacts:inspect", args=[contact.pk]),
            export_url=reverse("wagtail_triggers_contacts:export", args=[contact.pk]),
            letters=contact.deliveries.count(),
            events=contact.events.count(),
        )
        return context

    def post(self, request, *args, **kwargs):
        contact: Contact = self.object
        if contact.email == PLACEHOLDER_EMAIL:
            messages.error(request, _("The anonymous placeholder holds nobody's data and cannot be forgotten."))
            return redirect("wagtail_triggers_contacts:index")
        try:
            forget_contact(contact.email, user=request.user)
        except ValueError as exc:
            messages.error(request, _("This contact cannot be forgotten: %(error)s") % {"error": exc})
            return redirect("wagtail_triggers_contacts:inspect", contact.pk)
        messages.success(
            request,
            _("The person was forgotten. Their address is kept only as a hash so they are never mailed again."),
        )
        return redirect("wagtail_triggers_contacts:index")
