"""``customer_seen``: a visitor whose email the shop knows came back.

Wake-up chains count days from a customer's last visit, so the shop reports visits, but
sparingly: at most once per session and day (and the event's key makes it once per email and
day even across sessions). Admin, static and outbox requests do not count as visits.
"""

from __future__ import annotations

from django.utils import timezone

from . import events

SESSION_EMAIL = "shop_email"
SESSION_LANGUAGE = "shop_language"
SESSION_SEEN_ON = "shop_seen_on"
IGNORED_PREFIXES = ("/admin/", "/static/", "/media/", "/outbox/", "/triggers/", "/favicon")


def remember_customer(request, email: str, language: str = "") -> None:
    """Called when a visitor gives their email (cart reminder form, checkout)."""
    request.session[SESSION_EMAIL] = email
    if language:
        request.session[SESSION_LANGUAGE] = language


class CustomerSeenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "GET" and response.status_code == 200 and not request.path.startswith(IGNORED_PREFIXES):
            self.report_visit(request)
        return response

    def report_visit(self, request) -> None:
        session = getattr(request, "session", None)
        if session is None:
            return
        email = session.get(SESSION_EMAIL)
        user = getattr(request, "user", None)
        if not email and user is not None and user.is_authenticated:
            email = user.email
        if not email:
            return
        today = timezone.localdate().isoformat()
        if session.get(SESSION_SEEN_ON) == today:
            return
        session[SESSION_SEEN_ON] = today
        events.customer_seen(email, language=session.get(SESSION_LANGUAGE, ""))
