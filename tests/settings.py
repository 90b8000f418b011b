"""Settings for the test suite: SQLite by default, PostgreSQL with DATABASE_URL=postgres://…"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]

INSTALLED_APPS = [
    "wagtail_triggers",
    "django_q",
    "wagtail.snippets",
    "wagtail.users",
    "wagtail.images",
    "wagtail.documents",
    "wagtail.admin",
    "wagtail",
    "taggit",
    "modelcluster",
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
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:///" + str(BASE_DIR / "test.sqlite3")), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_wagtail_triggers_{os.getpid()}"
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = str(BASE_DIR / "media")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "shop@example.com"
WAGTAIL_SITE_NAME = "Test shop"
WAGTAILADMIN_BASE_URL = "https://shop.example"
TRIGGERS_BASE_URL = "https://shop.example"
TRIGGERS_SHOP_NAME = "Test shop"
TRIGGERS_ENQUEUE_EVENTS = False
Q_CLUSTER = {"name": "tests", "orm": "default", "sync": True, "timeout": 60, "retry": 120}

# Adapters (issue 3): the Saleor app; its allow-list is set per test.
INSTALLED_APPS += ["wagtail_triggers.contrib.saleor"]
TRIGGERS_SMTP_RECONNECT_BACKOFF = 0.01  # send reliability (issue 8): tiny reconnect sleeps in tests
# A loaded CI machine can take more than the default 2 s to validate a letter in the shared
# setup; the tests of the render budget set their own limit.
TRIGGERS_RENDER_TIME_LIMIT = 10.0
# Tests create users; the default PBKDF2 hasher spends ~0.3 s on each password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
