"""Settings of the demo shop. Everything that differs between machines comes from the environment.

Environment variables:

``DATABASE_URL``   default ``sqlite:///<example_site>/db.sqlite3``; ``postgres://user:pass@host/db`` works too
                   (then ``django.contrib.postgres`` is installed as well, for Wagtail's search index)
``EMAIL_BACKEND``  default ``shop.outbox.OutboxBackend`` (letters are stored and shown at /outbox/)
``EMAIL_HOST``, ``EMAIL_PORT``  for ``django.core.mail.backends.smtp.EmailBackend`` (e.g. a mail catcher)
``SECRET_KEY``     a development default is used when unset
``DEBUG``          default on; ``0``/``false``/``no``/``off`` switch it off
``BASE_URL``       default ``http://$HOST:$PORT`` (``http://127.0.0.1:8000``), as in ``scripts/demo``:
                   the origin links in letters point to
``HOST``, ``PORT`` where the demo runs (``127.0.0.1``, ``8000``) when ``BASE_URL`` is unset
``ALLOWED_HOSTS``  comma-separated; default localhost names plus the host of ``BASE_URL``
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # example_site/


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


SECRET_KEY = os.environ.get("SECRET_KEY") or "demo-only-insecure-secret-key-change-me"
DEBUG = env_flag("DEBUG", True)
# The origin links in letters point to, derived as scripts/demo derives it (BASE_URL, else
# http://HOST:PORT), so a manage.py command run with the demo's PORT links to the running demo.
BASE_URL = (
    os.environ.get("BASE_URL") or f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
).rstrip("/")

ALLOWED_HOSTS = [
    host.strip() for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if host.strip()
]
if urlsplit(BASE_URL).hostname and urlsplit(BASE_URL).hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(urlsplit(BASE_URL).hostname)
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "shop",
    "wagtail_triggers",
    "django_q",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Sends ``customer_seen`` for a visitor whose email the shop knows, once a day.
    "shop.middleware.CustomerSeenMiddleware",
]

ROOT_URLCONF = "demo.urls"
WSGI_APPLICATION = "demo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.shop",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DATABASE_URL.startswith("sqlite") else 60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the django-q2 cluster share one SQLite file: wait for locks instead
    # of failing at once, take the write lock at BEGIN (no "database is locked" on upgrade
    # from a read transaction), and use WAL so readers never block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] in {"django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"}:
    # Wagtail's search index on PostgreSQL declares GIN indexes, which Django refuses
    # (postgres.E005) unless django.contrib.postgres is installed.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []  # a demo: admin/admin is fine here and nowhere else

# --- Languages and time --------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or BASE_DIR / "media"  # tests load the demo into a temporary one
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Email ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or "shop.outbox.OutboxBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
SHOP_NAME = "Larder & Linen"
DEFAULT_FROM_EMAIL = f"{SHOP_NAME} <hello@larder-linen.example>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The shop ------------------------------------------------------------------------------
SHOP_CURRENCY = "EUR"

# --- Wagtail -------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = SHOP_NAME
WAGTAILADMIN_BASE_URL = BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx", "zip"]

# --- django-q2: runs the trigger engine (``python manage.py qcluster``) ----------------------
# ``retry`` must be longer than ``timeout``, or a slow task is started a second time.
Q_CLUSTER = {
    "name": "demo",
    "orm": "default",
    "workers": 1,
    "timeout": 60,
    "retry": 120,
    "catch_up": False,
    "max_attempts": 1,
    "poll": 1,
}

# The site and the qcluster worker are separate processes: the doorbell's "a task is waiting"
# mark (and the activity middleware's "seen recently") must live in a cache both see. A file
# cache needs no server; at scale use Redis (docs/reliability.md, "Production setup").
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("CACHE_DIR") or BASE_DIR / ".cache",
    }
}

# --- wagtail-triggers ----------------------------------------------------------------------
TRIGGERS_BASE_URL = BASE_URL
TRIGGERS_SHOP_NAME = SHOP_NAME
TRIGGERS_SUPPORT_EMAIL = "help@larder-linen.example"
# The postal address every marketing letter must carry (CAN-SPAM); the shipped footer prints it.
TRIGGERS_SHOP_ADDRESS = "Larder & Linen Ltd, 12 Example Lane, Bristol BS1 4AA, United Kingdom"
TRIGGERS_BRAND_COLOR = "#3d6b4f"
TRIGGERS_FROM_EMAIL = DEFAULT_FROM_EMAIL
TRIGGERS_COUPON_PROVIDER = "shop.coupons.issue_coupon"
TRIGGERS_RECOMMENDATIONS = "shop.recommendations.recommend"  # the follow-up's "offers" letter

# --- Logging: one console line per letter put into the outbox ------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"short": {"format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "short"}},
    "loggers": {
        "shop": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "wagtail_triggers": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
