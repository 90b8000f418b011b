"""Production settings for the demo shop: the demo's settings with Django's deployment checklist.

``DJANGO_SETTINGS_MODULE=demo.production python manage.py check --deploy`` is clean. Behind a
TLS-terminating proxy, set ``SECURE_PROXY_SSL_HEADER`` through ``BEHIND_PROXY=1``.

Environment variables (beside those of ``demo.settings``):

``SECRET_KEY``     required: at least 50 random characters
``BASE_URL``       required: the shop's public ``https://`` origin
``ALLOWED_HOSTS``  default: the host of ``BASE_URL``
``BEHIND_PROXY``   ``1`` when a proxy terminates TLS and sets ``X-Forwarded-Proto``
``HSTS_SECONDS``   default one year; lower it while trying HTTPS out
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import env_flag

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("demo-only") or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("Set SECRET_KEY to at least 50 random characters for production.")

BASE_URL = os.environ.get("BASE_URL", "").rstrip("/")
if urlsplit(BASE_URL).scheme != "https" or not urlsplit(BASE_URL).hostname:
    raise ImproperlyConfigured("Set BASE_URL to the shop's public https:// origin for production.")
ALLOWED_HOSTS = [
    host.strip() for host in os.environ.get("ALLOWED_HOSTS", urlsplit(BASE_URL).hostname).split(",") if host.strip()
]
CSRF_TRUSTED_ORIGINS = [BASE_URL]
WAGTAILADMIN_BASE_URL = BASE_URL
TRIGGERS_BASE_URL = BASE_URL

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS") or 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"  # Wagtail marks its preview views SAMEORIGIN itself
if env_flag("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
