"""The contact chooser: pick a real customer to fill a preview or a test letter with.

Its own module so the letter forms can use its widget without importing the viewsets
(which import the forms).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from ..models import Contact
from ..privacy import PLACEHOLDER_EMAIL
from .permissions import can_see_contacts


class ContactFilterForm(BaseFilterForm):
    q = forms.CharField(label=_("Search term"), required=False)

    def filter(self, objects):
        objects = super().filter(objects)
        query = self.cleaned_data.get("q")
        if query:
            objects = objects.filter(
                Q(email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
            )
            self.is_searching = True
            self.search_query = query
        return objects


class ContactChooseViewMixin:
    filter_form_class = ContactFilterForm

    def get_object_list(self):
        """Real customers only: the anonymous placeholder of forgotten people is nobody to preview as."""
        return super().get_object_list().exclude(email=PLACEHOLDER_EMAIL)

    @property
    def columns(self):
        return [
            *super().columns,
            Column("display_name", label=_("Name"), accessor="display_name"),
            Column("language", label=_("Language")),
        ]


class ContactChooseView(ContactChooseViewMixin, ChooseView):
    pass


class ContactChooseResultsView(ContactChooseViewMixin, ChooseResultsView):
    pass


class ContactChooserViewSet(ChooserViewSet):
    model = Contact
    icon = "user"
    choose_one_text = _("Choose a customer")
    choose_another_text = _("Choose another customer")
    choose_view_class = ContactChooseView
    choose_results_view_class = ContactChooseResultsView
    register_widget = False
    url_prefix = "trigger-emails/choose-contact"

    def get_urlpatterns(self):
        return [self._guarded(p) for p in super().get_urlpatterns()]

    @staticmethod
    def _guarded(pattern):
        """Contacts are personal data: only people who may see contacts may choose one."""
        view = pattern.callback

        def guarded(request, *args, **kwargs):
            if not can_see_contacts(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        pattern.callback = guarded
        return pattern


contact_chooser_viewset = ContactChooserViewSet("wagtail_triggers_contact_chooser")
