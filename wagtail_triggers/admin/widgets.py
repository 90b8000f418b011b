"""Form widgets of the letter editor: a CodeMirror editor for MJML, inputs with variable insertion."""

from __future__ import annotations

from django import forms

VENDOR = "wagtail_triggers/admin/vendor/codemirror/"


class EditorMedia:
    css = {
        "all": [
            VENDOR + "lib/codemirror.css",
            VENDOR + "addon/hint/show-hint.css",
            VENDOR + "addon/dialog/dialog.css",
            "wagtail_triggers/admin/letter-editor.css",
        ]
    }
    js = [
        VENDOR + "lib/codemirror.js",
        VENDOR + "addon/mode/overlay.js",
        VENDOR + "mode/xml/xml.js",
        VENDOR + "mode/javascript/javascript.js",
        VENDOR + "mode/css/css.js",
        VENDOR + "mode/htmlmixed/htmlmixed.js",
        VENDOR + "mode/django/django.js",
        VENDOR + "addon/edit/closetag.js",
        VENDOR + "addon/fold/xml-fold.js",
        VENDOR + "addon/edit/matchtags.js",
        VENDOR + "addon/selection/active-line.js",
        VENDOR + "addon/hint/show-hint.js",
        VENDOR + "addon/hint/xml-hint.js",
        VENDOR + "addon/dialog/dialog.js",
        VENDOR + "addon/search/searchcursor.js",
        VENDOR + "addon/search/search.js",
        VENDOR + "addon/search/jump-to-line.js",
        "wagtail_triggers/admin/letter-editor.js",
    ]


class MJMLEditor(forms.Textarea):
    """A textarea that becomes a CodeMirror editor (MJML + Django template syntax).

    The textarea stays in the form and is kept in sync on every change, so the form posts
    normally and Wagtail's live preview and unsaved-changes checks see every keystroke.
    ``error_line`` (set by the form after a failed validation) highlights that line.
    """

    template_name = "wagtail_triggers/admin/widgets/mjml_editor.html"
    Media = EditorMedia

    def __init__(self, attrs=None):
        defaults = {"rows": 30, "spellcheck": "false", "data-triggers-editor": "mjml", "class": "w-triggers-code"}
        super().__init__({**defaults, **(attrs or {})})
        self.error_line: int | None = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.error_line:
            context["widget"]["attrs"]["data-error-line"] = str(self.error_line)
        return context


class VariableInput(forms.TextInput):
    """A text input with an "Insert variable" menu (subject and preheader of a letter)."""

    template_name = "wagtail_triggers/admin/widgets/variable_input.html"
    Media = EditorMedia

    def __init__(self, attrs=None):
        super().__init__({"data-triggers-insert-target": "", **(attrs or {})})
        self.variables: list = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["variables"] = self.variables
        return context
