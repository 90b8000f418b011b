"""Settings of the app, each read through a small getter with its default here.

Every setting is optional; see ``docs/settings.md`` for what each one does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

SHIPPED_LANGUAGES = ("en", "ru")  # languages of the shipped letters' catalogues

DEFAULTS: dict[str, Any] = {
    # Absolute origin used to build links in letters (tracking, unsubscribe, cart).
    "TRIGGERS_BASE_URL": None,
    "TRIGGERS_SHOP_NAME": "Our shop",
    "TRIGGERS_SHOP_URL": None,
    "TRIGGERS_SHOP_LOGO_URL": "",
    "TRIGGERS_SUPPORT_EMAIL": "",
    # Reply-To of every letter; None: TRIGGERS_SUPPORT_EMAIL, "" for none (issue 9).
    "TRIGGERS_REPLY_TO": None,
    "TRIGGERS_SHOP_ADDRESS": "",
    "TRIGGERS_BRAND_COLOR": "#2f6f4f",
    "TRIGGERS_FROM_EMAIL": None,
    "TRIGGERS_DEFAULT_LANGUAGE": None,
    "TRIGGERS_LANGUAGES": None,
    "TRIGGERS_COUPON_PROVIDER": "wagtail_triggers.coupons.issue_stored_coupon",
    "TRIGGERS_ENQUEUE_EVENTS": True,
    # The doorbell (issue 11): the cache holding "a task is waiting" (None: django-q2's cache,
    # Q_CLUSTER["cache"], else "default"; share it between web and worker processes) and how
    # long that mark lasts if its task is lost.
    "TRIGGERS_DOORBELL_CACHE": None,
    "TRIGGERS_DOORBELL_TTL": timedelta(seconds=30),
    "TRIGGERS_TICK_BATCH_SIZE": 200,
    "TRIGGERS_MAX_LETTERS_PER_DAY": 3,
    "TRIGGERS_SEND_RETRIES": 5,
    "TRIGGERS_SEND_LEASE": timedelta(minutes=10),
    # Send reliability (issue 8): the tick's time budget (None: 45 s, at most 3/4 of the
    # django-q2 timeout) and the bounded SMTP reconnects after a dropped connection.
    "TRIGGERS_TICK_TIME_BUDGET": None,
    "TRIGGERS_SMTP_RECONNECT_TRIES": 3,
    "TRIGGERS_SMTP_RECONNECT_BACKOFF": timedelta(seconds=1),
    # Which email backend sends trigger letters (issue 10): a mailer alias of Django's MAILERS
    # (6.1+) or a backend path; None: the default mailer / EMAIL_BACKEND.
    "TRIGGERS_MAILER": None,
    "TRIGGERS_EMAIL_BACKEND": None,
    # Tracking and attribution.
    "TRIGGERS_LINK_MAX_AGE": timedelta(days=365),
    "TRIGGERS_UNSUBSCRIBE_MAX_AGE": timedelta(days=3 * 365),
    "TRIGGERS_BOT_CLICK_SECONDS": 5,
    "TRIGGERS_ATTRIBUTION_WINDOW": timedelta(days=5),
    "TRIGGERS_ATTRIBUTION": "click",
    # Editor safety (issue 8): test-letter limits and the cost of rendering a letter.
    "TRIGGERS_TEST_SEND_LIMIT": 20,  # test messages per user per window
    "TRIGGERS_TEST_SEND_WINDOW": timedelta(hours=1),
    "TRIGGERS_LETTER_MAX_SIZE": 200_000,  # characters of MJML body, after shipped partials
    "TRIGGERS_LETTER_MAX_DEPTH": 60,  # nested elements in the MJML body
    "TRIGGERS_TEMPLATE_MAX_WIDTH": 1000,  # widths and precisions in filters (ljust, stringformat…)
    "TRIGGERS_RENDER_TIME_LIMIT": 2.0,  # seconds of template rendering per letter
    "TRIGGERS_RENDER_MAX_OUTPUT": 2_000_000,  # characters of HTML per rendered letter
    # Data rights (issue 8): how long personal data is kept (a timedelta, days, or None:
    # forever); the daily purge deletes events and tracking rows, anonymises deliveries.
    "TRIGGERS_RETAIN_EVENTS": timedelta(days=365),
    "TRIGGERS_RETAIN_DELIVERIES": timedelta(days=2 * 365),
    "TRIGGERS_RETAIN_TRACKING": timedelta(days=365),
    # Hostile input (intake and endpoints): hosts that links taken from event data may lead
    # to. None: the hosts of TRIGGERS_BASE_URL, TRIGGERS_SHOP_URL and the Wagtail Sites.
    "TRIGGERS_ALLOWED_LINK_HOSTS": None,
    # Recommended products for the follow-up's offers letter: a callable's dotted path (docs/events.md).
    "TRIGGERS_RECOMMENDATIONS": None,
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def base_url() -> str:
    url = get("TRIGGERS_BASE_URL") or getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return url.rstrip("/")


def shop_url() -> str:
    return (get("TRIGGERS_SHOP_URL") or base_url() or "/").rstrip("/") + "/"


def from_email() -> str:
    return get("TRIGGERS_FROM_EMAIL") or settings.DEFAULT_FROM_EMAIL


def reply_to() -> str:
    """The site-wide Reply-To: ``TRIGGERS_REPLY_TO``, else ``TRIGGERS_SUPPORT_EMAIL``."""
    chosen = get("TRIGGERS_REPLY_TO")
    return (get("TRIGGERS_SUPPORT_EMAIL") if chosen is None else chosen) or ""


def default_language() -> str:
    lang = get("TRIGGERS_DEFAULT_LANGUAGE") or settings.LANGUAGE_CODE
    return lang.split("-")[0].lower()


def supported_languages() -> list[str]:
    """Languages letters exist in: ``TRIGGERS_LANGUAGES``, else those of ``LANGUAGES`` that
    the app ships letters for, plus the default language (never Django's 90-odd defaults)."""
    chosen = get("TRIGGERS_LANGUAGES")
    if chosen:
        return list(dict.fromkeys(code.split("-")[0].lower() for code in chosen))
    codes = [code.split("-")[0].lower() for code, _name in settings.LANGUAGES]
    shipped = [code for code in codes if code in SHIPPED_LANGUAGES]
    return list(dict.fromkeys([default_language(), *shipped]))


def coupon_provider() -> Any:
    provider = get("TRIGGERS_COUPON_PROVIDER")
    return import_string(provider) if isinstance(provider, str) else provider
