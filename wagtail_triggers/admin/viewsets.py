"""Admin viewsets: module-level instances; ``wagtail_hooks`` only registers them.

The "Trigger emails" menu groups three screens:

- **Scenarios** — every chain with its letters and delays, state, last week's counts and an
  on/off switch per row; the edit screen holds the settings in plain terms and the chain.
- **Letters** — the MJML letters, Wagtail snippets with drafts, revisions, locking and a live
  preview; a code editor with the variable reference beside it, "Send a test" and "Reset".
- **Contacts** — a customer's letters, chains, events and consent, with staff actions.

Other apps may add items to the menu with the ``register_trigger_emails_menu_item`` hook.
The contact chooser lives in ``choosers``, the reports in ``reports``.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import DateColumn, LiveStatusTagColumn, UpdatedAtColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from ..models import Contact, EmailTemplate, Scenario
from . import privacy as privacy_views
from . import views
from .forms import EmailTemplateForm, ScenarioCreateForm, ScenarioForm
from .panels import (
    LetterBodyPanel,
    LetterUsePanel,
    ScenarioInterface,
    ScenarioSummaryPanel,
    StepsPanel,
    kind_option_panels,
)
from .widgets import MJMLEditor, VariableInput

MENU_HOOK = "register_trigger_emails_menu_item"


class ScenarioViewSet(ModelViewSet):
    model = Scenario
    icon = "resubmit"
    menu_label = _("Scenarios")
    url_prefix = "trigger-emails/scenarios"
    url_namespace = "wagtail_triggers_scenarios"
    index_view_class = views.ScenarioIndexView
    edit_view_class = views.ScenarioEditView
    add_view_class = views.ScenarioCreateView
    copy_view_enabled = False
    add_to_reference_index = False
    list_per_page = 50
    search_fields = ["name", "description", "kind"]

    edit_handler = ScenarioInterface(
        [
            ObjectList(
                [
                    ScenarioSummaryPanel(heading=_("What it does")),
                    StepsPanel(heading=_("Chain of letters")),
                ],
                heading=_("Chain"),
            ),
            ObjectList(
                [
                    MultiFieldPanel(
                        [
                            FieldPanel("previous_orders"),
                            FieldPanel("min_total", widget=forms.NumberInput(attrs={"min": 0})),
                            FieldPanel("exclude_staff"),
                            *kind_option_panels("audience"),
                        ],
                        heading=_("Who gets it"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel([FieldPanel("send_from"), FieldPanel("send_until")]),
                            FieldPanel("transactional"),
                            *kind_option_panels("timing"),
                            FieldPanel("track_opens"),
                            FieldPanel("track_clicks"),
                        ],
                        heading=_("When and how"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel([FieldPanel("from_name"), FieldPanel("from_email")]),
                            FieldPanel("reply_to"),
                        ],
                        heading=_("Sender"),
                        help_text=_("Empty: the shop's name and addresses from the site settings."),
                    ),
                    MultiFieldPanel(
                        [FieldPanel("test_mode"), FieldPanel("test_addresses")],
                        heading=_("Test mode"),
                        help_text=_(
                            "While test mode is on, the chain runs as usual but letters go only to "
                            "the test addresses; everybody else's letters are skipped."
                        ),
                    ),
                ],
                heading=_("Settings"),
            ),
            ObjectList([FieldPanel("name"), FieldPanel("description")], heading=_("Name")),
        ],
        base_form_class=ScenarioForm,
    )
    create_handler = ObjectList(
        [FieldPanel("kind"), FieldPanel("name"), FieldPanel("description")], base_form_class=ScenarioCreateForm
    )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{"delete_url_name": None, **kwargs})

    def get_add_view_kwargs(self, **kwargs):
        handler = self.create_handler.bind_to_model(self.model)
        return super().get_add_view_kwargs(panel=handler, form_class=handler.get_form_class(), **kwargs)

    def get_urlpatterns(self):
        patterns = [p for p in super().get_urlpatterns() if p.name != "delete"]
        enable = views.ScenarioSwitchView.as_view(turn_on=True)
        disable = views.ScenarioSwitchView.as_view(turn_on=False)
        return [
            *patterns,
            path("enable/<int:pk>/", enable, name="enable"),
            path("disable/<int:pk>/", disable, name="disable"),
        ]

    def get_permissions_to_register(self):
        return super().get_permissions_to_register() | self._all_permissions()

    def _all_permissions(self):
        return Permission.objects.filter(content_type=ContentType.objects.get_for_model(self.model))


class EmailTemplateViewSet(SnippetViewSet):
    model = EmailTemplate
    icon = "mail"
    menu_label = _("Letters")
    menu_item_is_registered = True  # in the "Trigger emails" menu, not under "Snippets"
    edit_view_class = views.LetterEditView
    add_view_class = views.LetterCreateView
    copy_view_enabled = False
    list_display = ["name", "key", "language", LiveStatusTagColumn(), UpdatedAtColumn()]
    list_filter = ["language", "live"]
    list_per_page = 50
    search_fields = ["name", "subject", "key"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("name"), FieldRowPanel([FieldPanel("key"), FieldPanel("language")]), LetterUsePanel()],
                heading=_("Letter"),
            ),
            FieldPanel("subject", widget=VariableInput(attrs={"class": "w-triggers-mono"})),
            FieldPanel("preheader", widget=VariableInput(attrs={"class": "w-triggers-mono"})),
            LetterBodyPanel("body", widget=MJMLEditor, heading=_("MJML body")),
            FieldPanel("preview_contact", heading=_("Preview as")),
        ],
        base_form_class=EmailTemplateForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("send-test/<int:pk>/", views.SendTestView.as_view(), name="send_test"),
            path("reset/<int:pk>/", views.ResetToDefaultView.as_view(), name="reset"),
        ]


class ContactViewSet(ModelViewSet):
    """Contacts come from the shop's events: listed and inspected here, never created."""

    model = Contact
    icon = "group"
    menu_label = _("Contacts")
    url_prefix = "trigger-emails/contacts"
    url_namespace = "wagtail_triggers_contacts"
    index_view_class = views.ContactIndexView
    inspect_view_class = views.ContactDetailView
    history_view_class = views.ContactHistoryView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "email",
        "display_name",
        "language",
        "orders_count",
        # Wagtail's own date display ("3 hours ago", the full date in a tooltip), as in its listings.
        DateColumn("last_activity_at", label=_("Last activity"), sort_key="last_activity_at"),
        views.ConsentColumn("consent", label=_("Consent")),
    ]
    list_filter = ["language"]
    search_fields = ["email", "first_name", "last_name", "customer_id"]
    list_per_page = 50
    form_fields = ["first_name", "last_name"]  # unused: there is no add or edit view
    # Without these the listing's CSV/XLSX export had no columns: an empty file.
    list_export = [
        "email",
        "first_name",
        "last_name",
        "customer_id",
        "language",
        "orders_count",
        "last_order_at",
        "last_seen_at",
        "last_activity_at",
        "created_at",
        "consent_state",
        "unsubscribed_at",
    ]
    export_headings = {"consent_state": _("Consent")}
    export_filename = "contacts"

    def get_permissions_to_register(self):
        """Also offer "Can forget a person" in Wagtail's group editor."""
        own = Permission.objects.filter(content_type=ContentType.objects.get_for_model(self.model))
        return super().get_permissions_to_register() | own

    @property
    def url_finder_class(self):
        """A contact's page is its inspect view: the "edit" links Wagtail builds (the chooser's, the
        history's) lead there, since there is no edit view to reverse."""
        return type("_ContactAdminURLFinder", (ModelAdminURLFinder,), {"edit_url_name": self.get_url_name("inspect")})

    def get_common_view_kwargs(self, **kwargs):
        none = {"add_url_name": None, "edit_url_name": None, "delete_url_name": None, "usage_url_name": None}
        return super().get_common_view_kwargs(**{**none, **kwargs})

    def get_urlpatterns(self):
        kept = {"index", "index_results", "inspect", "history", "history_results"}
        return [
            *[p for p in super().get_urlpatterns() if p.name in kept],
            path("unsubscribe/<int:pk>/", views.UnsubscribeContactView.as_view(), name="unsubscribe"),
            path("export/<int:pk>/", privacy_views.ExportContactView.as_view(), name="export"),
            path("forget/<int:pk>/", privacy_views.ForgetContactView.as_view(), name="forget"),
            path(
                "remove/<int:pk>/<int:enrollment_pk>/",
                views.RemoveFromChainView.as_view(),
                name="remove_from_chain",
            ),
        ]


scenario_viewset = ScenarioViewSet("wagtail_triggers_scenarios")
email_template_viewset = EmailTemplateViewSet()
contact_viewset = ContactViewSet("wagtail_triggers_contacts")


class TriggerEmailsMenu(ViewSetGroup):
    menu_label = _("Trigger emails")
    menu_icon = "mail"
    menu_order = 210
    submenu_hook = MENU_HOOK
    items = (scenario_viewset, email_template_viewset, contact_viewset)
