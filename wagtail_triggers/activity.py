"""Customer activity: "customer seen" events for the wake-up chains, recorded sparingly.

Wake-up chains count days from a contact's last visit, so the shop reports visits — but a
customer who browses fifty pages is one visit, not fifty events. :func:`record_seen` records
``customer_seen`` at most once per user per period (``TRIGGERS_ACTIVITY_PERIOD``, one day by
default): a cache entry answers "already recorded" without touching the database, and the
event's idempotency key (user and period) keeps it to one row even when several processes
have cold caches.

Two ways in, use either or both:

* :class:`CustomerActivityMiddleware` — every request of a logged-in customer counts::

      MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
                    "wagtail_triggers.activity.CustomerActivityMiddleware", ...]

* :func:`connect` — a login counts (``user_logged_in``); call it from your AppConfig.ready();
  ``wagtail_triggers.contrib.oscar`` calls it unless ``TRIGGERS_OSCAR_RECORD_LOGINS = False``.

Settings (all optional): ``TRIGGERS_ACTIVITY_PERIOD`` (timedelta, default one day),
``TRIGGERS_ACTIVITY_CACHE`` (cache alias, default ``"default"``) and
``TRIGGERS_ACTIVITY_IGNORED_PATHS`` (path prefixes that are not visits).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.core.cache import caches
from django.utils import timezone

from .events import EventKind, InvalidEvent, record_event

logger = logging.getLogger(__name__)

DEFAULT_PERIOD = timedelta(days=1)
DEFAULT_IGNORED_PATHS = ("/admin/", "/cms/", "/django-admin/", "/static/", "/media/", "/favicon.ico")
CACHE_PREFIX = "wagtail_triggers:seen"


def period() -> timedelta:
    value = getattr(settings, "TRIGGERS_ACTIVITY_PERIOD", DEFAULT_PERIOD)
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def _cache():
    return caches[getattr(settings, "TRIGGERS_ACTIVITY_CACHE", "default")]


def _window(now: datetime) -> int:
    """The number of the period that ``now`` falls in (periods are aligned to the epoch, UTC)."""
    return int(now.timestamp() // max(period().total_seconds(), 1))


def _cache_key(user_id: Any, window: int) -> str:
    return f"{CACHE_PREFIX}:{user_id}:{window}"


def recently_seen(user_id: Any, *, now: datetime | None = None) -> bool:
    """True when a visit of this user was recorded in the current period (one cache read)."""
    return bool(_cache().get(_cache_key(user_id, _window(now or timezone.now()))))


def record_seen(user: Any, *, now: datetime | None = None, language: str = "") -> bool:
    """Record ``customer_seen`` for a site user unless one was recorded this period.

    Returns True when an event was recorded. Never raises for a user without a usable email:
    a visit is not worth breaking a page for.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    email = getattr(user, "email", "") or ""
    if not email:
        return False
    now = now or timezone.now()
    window = _window(now)
    key = _cache_key(user.pk, window)
    cache = _cache()
    if not cache.add(key, 1, timeout=int(period().total_seconds()) or 1):
        return False  # this process (or a shared cache) already recorded this period's visit
    customer = {
        "first_name": (getattr(user, "first_name", "") or "")[:150],
        "last_name": (getattr(user, "last_name", "") or "")[:150],
        "language": (language or "")[:10],
    }
    try:
        record_event(
            EventKind.CUSTOMER_SEEN,
            email=email,
            customer_id=user.pk,
            customer={name: value for name, value in customer.items() if value} or None,
            occurred_at=now,
            key=f"seen:user:{user.pk}:{window}",
        )
    except InvalidEvent as exc:
        logger.warning("Visit of user %s not recorded: %s", user.pk, exc)
        return False
    return True


def _is_ignored(path: str) -> bool:
    prefixes = getattr(settings, "TRIGGERS_ACTIVITY_IGNORED_PATHS", DEFAULT_IGNORED_PATHS)
    return path.startswith(tuple(prefixes))


class CustomerActivityMiddleware:
    """Records a logged-in customer's visit at most once per period, after the response.

    Place it after ``AuthenticationMiddleware``. Anonymous visitors (no session cookie) cost
    nothing; a logged-in customer already recorded this period costs one cache read — the
    user id comes from the session the page has already loaded, so the database is asked only
    once per customer and period (one INSERT).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            self.process(request, response)
        except Exception:  # a visit is never worth a broken page
            logger.warning("Could not record a customer visit", exc_info=True)
        return response

    def process(self, request, response) -> None:
        if response.status_code >= 500 or _is_ignored(request.path):
            return
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return  # anonymous and sessionless: don't touch the session (no Vary: Cookie)
        session = getattr(request, "session", None)
        user_id = session.get(SESSION_KEY) if session is not None else None
        if user_id is None or recently_seen(user_id):
            return
        user = getattr(request, "user", None)  # loads the user once per period at most
        if user is None or not user.is_authenticated or str(user.pk) != str(user_id):
            return
        record_seen(user, language=getattr(request, "LANGUAGE_CODE", ""))


def on_user_logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: a login is a visit (throttled like any other)."""
    try:
        record_seen(user, language=getattr(request, "LANGUAGE_CODE", "") if request is not None else "")
    except Exception:
        logger.warning("Could not record the login of user %s", getattr(user, "pk", None), exc_info=True)


def connect() -> None:
    """Record logins as visits. Call once, e.g. from your AppConfig.ready()."""
    user_logged_in.connect(on_user_logged_in, dispatch_uid="wagtail_triggers.activity.login")


def disconnect() -> None:
    user_logged_in.disconnect(dispatch_uid="wagtail_triggers.activity.login")
