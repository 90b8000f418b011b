"""Email templates: the MJML letters editors customise, as Wagtail snippets with revisions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import DraftStateMixin, LockableMixin, PreviewableMixin, RevisionMixin
from wagtail.search import index

from ..admin.previews import preview_response
from ..context import sample_context
from ..errors import LetterError
from ..rendering import RenderedLetter, validate_letter
from ..sanitize import sanitize_body
from ..shipped import kind_name_of


class EmailTemplateQuerySet(models.QuerySet):
    def for_language(self, key: str, language: str, default_language: str) -> EmailTemplate | None:
        """The live letter in the contact's language, else in the site's default language."""
        rows = {row.language: row for row in self.filter(key=key, live=True, language__in=[language, default_language])}
        return rows.get(language) or rows.get(default_language)


class EmailTemplate(DraftStateMixin, LockableMixin, RevisionMixin, PreviewableMixin, index.Indexed, models.Model):
    """One letter in one language.

    Shipped files are the defaults; these rows are what is sent and what editors change.
    ``key`` names the letter (``forgotten_cart/reminder``); steps refer to letters by key,
    so the language is chosen per contact at send time.
    """

    key = models.CharField(_("letter"), max_length=120, db_index=True)
    language = models.CharField(_("language"), max_length=10)
    name = models.CharField(_("name"), max_length=255)
    subject = models.CharField(_("subject"), max_length=500)
    preheader = models.CharField(
        _("preheader"),
        max_length=1000,
        blank=True,
        help_text=_("The preview line shown after the subject in the inbox."),
    )
    body = models.TextField(_("MJML body"))
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="wagtail_triggers_email_template")

    objects = EmailTemplateQuerySet.as_manager()

    search_fields = [
        index.SearchField("name"),
        index.SearchField("subject"),
        index.FilterField("key"),
    ]

    class Meta:
        # The admin menu, page titles and breadcrumbs call them letters: one name everywhere.
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="wt_template_key_language")]
        permissions = [("send_test_to_any_address", _("Can send test letters to any address"))]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"

    @property
    def scenario_kind(self) -> str:
        return kind_name_of(self.key)

    def render_sample(self, context: dict[str, Any] | None = None) -> RenderedLetter:
        """Compile and render with the scenario's sample data (or ``context``); raises LetterError."""
        if context is None:
            context = sample_context(self.key, self.language)
        return validate_letter(self.subject, self.preheader, self.body, context, self.language)

    #: What :meth:`clean` removed from the body (scripts, handlers…), for the editor's message.
    removed_markup: list[str] = []

    def clean(self) -> None:
        """A broken letter is refused when it is saved, never found when it is due.

        Active content (scripts, event handlers, ``javascript:`` links, frames) is removed
        first and listed in ``removed_markup``. The letter then renders with the small
        sample and with a worst-case one (200 cart lines, long names) within the render
        budget, so a letter too costly for a real cart is refused now, not at send time.
        The error is also kept in ``letter_error`` (field, message, line) for the admin's
        code editor, which highlights the line.
        """
        super().clean()
        # Browsers post textareas with CRLF line ends; MJML and the line numbers want LF.
        self.body = (self.body or "").replace("\r\n", "\n").replace("\r", "\n")
        sanitized = sanitize_body(self.body)
        self.body, self.removed_markup = sanitized.body, sanitized.removed
        self.letter_error = None
        try:
            self.render_sample()
            self.render_sample(sample_context(self.key, self.language, worst_case=True))
        except LetterError as error:
            self.letter_error = error
            raise ValidationError({error.field: str(error)}) from error

    # Preview (Wagtail's preview panel) ---------------------------------------------------
    #: Set by the admin form when the editor previews "as" a real contact.
    preview_context: dict[str, Any] | None = None

    @property
    def preview_modes(self) -> list[tuple[str, str]]:
        return [("html", _("HTML")), ("text", _("Plain text"))]

    @property
    def preview_sizes(self) -> list[dict[str, Any]]:
        return [
            {"name": "mobile", "icon": "mobile-alt", "device_width": 375, "label": _("Preview in mobile size")},
            {"name": "desktop", "icon": "desktop", "device_width": 1024, "label": _("Preview in desktop size")},
        ]

    @property
    def default_preview_size(self) -> str:
        return "desktop"

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        return preview_response(self, mode_name, context=self.preview_context)

    def get_preview_context(self, request: HttpRequest, mode_name: str) -> dict[str, Any]:
        return {"template": self, "mode": mode_name}


class TestSend(models.Model):
    """One "Send a test" by one editor: the log and the rate limit read the same rows.

    Written *before* the messages go out (``sent`` is corrected afterwards), so two editors'
    simultaneous posts cannot both slip under the hourly limit.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    template = models.ForeignKey(
        EmailTemplate, null=True, on_delete=models.SET_NULL, related_name="test_sends", verbose_name=_("letter")
    )
    template_key = models.CharField(_("letter"), max_length=120)
    recipients = models.JSONField(_("recipients"), default=list)
    requested = models.PositiveIntegerField(_("messages requested"), default=0)
    sent = models.PositiveIntegerField(_("messages sent"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("test letter")
        verbose_name_plural = _("test letters")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"], name="wt_testsend_user_time")]

    def __str__(self) -> str:
        return f"{self.template_key} × {self.requested}"
