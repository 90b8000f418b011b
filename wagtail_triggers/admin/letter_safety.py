"""The letter editor's safety: a sandboxed preview iframe and word of what saving removed.

Wagtail's preview panel iframe has no ``sandbox`` attribute; the letter views swap the panel
for one whose iframe has ``sandbox=""`` (no scripts, opaque origin). The preview responses
also carry their own CSP sandbox (:mod:`wagtail_triggers.admin.previews`), so a preview opened in a
new tab is just as inert. The panel still updates live: Wagtail's preview script reloads the
iframe by URL; it would wait 10 seconds for a scroll position a script-less letter never sends,
so the letter editor's script answers for it (``letter-editor.js``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.ui.side_panels import PreviewSidePanel


class SandboxedPreviewSidePanel(PreviewSidePanel):
    template_name = "wagtail_triggers/admin/panels/preview_sandboxed.html"


class LetterSafetyMixin:
    """For the letter create and edit views."""

    def get_side_panels(self):
        panels = super().get_side_panels()
        for index, panel in enumerate(panels):
            if type(panel) is PreviewSidePanel:
                panels[index] = SandboxedPreviewSidePanel(panel.object, panel.request, preview_url=panel.preview_url)
        return panels

    def form_valid(self, form):
        response = super().form_valid(form)
        removed = getattr(form.instance, "removed_markup", None)
        if removed:
            messages.warning(
                self.request,
                _("Removed from the letter: %(items)s. Scripts, event handlers and frames do not work in email.")
                % {"items": ", ".join(removed)},
            )
        for warning in form.variable_warnings():  # saved anyway: a warning, not a refusal
            messages.warning(self.request, warning)
        return response
