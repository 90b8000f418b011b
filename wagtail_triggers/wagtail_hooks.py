from wagtail.snippets.models import register_snippet

from .viewsets import email_template_viewset

register_snippet(email_template_viewset)
