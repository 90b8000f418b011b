"""Settings of the benchmark's processes: the test settings on the benchmark's own database.

``bench/run.py`` creates a throwaway database (never the demo's or the tests') and passes it,
and the loopback SMTP server's port, to every process it starts through the environment:

- ``BENCH_DATABASE_URL``: the database (required);
- ``BENCH_SMTP_PORT``: where letters go (a closed port makes the server unreachable);
- ``BENCH_ENQUEUE``: ``1`` rings the django-q2 doorbell from ``record_event`` (the default);
- ``BENCH_REDIS``: ``1`` puts django-q2 on Redis instead of its ORM broker.

Production defaults everywhere else: the demo's django-q2 settings (so the tick's time budget
is 45 s of a 60 s timeout), the default batch size, a real SMTP backend.
"""

from __future__ import annotations

import os

import dj_database_url

from tests.settings import *  # noqa: F403

DATABASES = {"default": dj_database_url.parse(os.environ["BENCH_DATABASE_URL"], conn_max_age=600)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several worker processes share the file: wait for the write lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 60, "init_command": "PRAGMA journal_mode=WAL"}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("BENCH_SMTP_PORT", "25"))
EMAIL_USE_TLS = EMAIL_USE_SSL = False
EMAIL_TIMEOUT = 30

TRIGGERS_ENQUEUE_EVENTS = os.environ.get("BENCH_ENQUEUE", "1") == "1"
TRIGGERS_RENDER_TIME_LIMIT = 2.0  # the app's default (the tests allow more for a loaded CI)

# The demo's django-q2 settings (example_site/demo/settings.py), under the benchmark's own name.
Q_CLUSTER = {
    "name": f"bench{os.environ.get('BENCH_RUN', '')}",
    "orm": "default",
    "workers": int(os.environ.get("BENCH_Q_WORKERS", "1")),
    "timeout": 60,
    "retry": 120,
    "catch_up": False,
    "max_attempts": 1,
    "poll": 1,
}
# A cache every process shares (the doorbell's "a task is waiting" mark, django-q2's monitor):
# the database's own with the ORM broker, Redis with Redis (docs/settings.md, the doorbell).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bench_cache"}}
if os.environ.get("BENCH_REDIS") == "1":
    del Q_CLUSTER["orm"]
    Q_CLUSTER["redis"] = {"host": "127.0.0.1", "port": 6379, "db": 0}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": Q_CLUSTER["name"],
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # The benchmark makes the mail server unreachable on purpose while it prepares due letters.
    "loggers": {"wagtail_triggers": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}
