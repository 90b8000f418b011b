from wagtail.snippets.models import register_snippet

from .viewsets import email_template_viewset

register_snippet(email_template_viewset)

from . import report_hooks  # noqa: F401, E402  (reports and the dashboard panel)
