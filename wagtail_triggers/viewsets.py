"""Admin viewsets (module-level instances; ``wagtail_hooks`` only registers them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import EmailTemplate


class EmailTemplateViewSet(SnippetViewSet):
    model = EmailTemplate
    icon = "mail"
    menu_label = _("Letters")
    list_display = ["name", "key", "language", "subject"]
    list_filter = ["language"]
    search_fields = ["name", "subject", "key"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("key", read_only=True),
                FieldPanel("language", read_only=True),
            ],
            heading=_("Letter"),
        ),
        FieldPanel("subject"),
        FieldPanel("preheader"),
        FieldPanel("body"),
    ]


email_template_viewset = EmailTemplateViewSet()
