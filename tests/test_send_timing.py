"""The tick's time budget follows django-q2's timeout, and the system checks catch timings that
would let django-q2 kill a tick mid-send or let a lease sweep call a letter in flight unknown."""

from __future__ import annotations

from datetime import timedelta

from wagtail_triggers.checks import check_doorbell_cache, check_send_timing
from wagtail_triggers.ticktime import budget_seconds


def _ids() -> set[str]:
    return {warning.id for warning in check_send_timing()}


def test_the_budget_defaults_to_45_seconds_and_stays_below_a_short_task_timeout(settings):
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "timeout": 60}
    assert budget_seconds() == 45
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "timeout": 20}
    assert budget_seconds() == 15
    settings.Q_CLUSTER = {"name": "t", "orm": "default"}
    assert budget_seconds() == 45
    settings.TRIGGERS_TICK_TIME_BUDGET = timedelta(seconds=30)
    assert budget_seconds() == 30


def test_the_shipped_timing_passes_the_checks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = 10
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "timeout": 60}
    assert _ids() == set()


def test_a_budget_not_below_the_task_timeout_is_a_warning(settings):
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "timeout": 60}
    settings.TRIGGERS_TICK_TIME_BUDGET = 60
    assert "wagtail_triggers.W101" in _ids()


def test_smtp_without_a_timeout_is_a_warning(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = None
    assert "wagtail_triggers.W102" in _ids()


def test_a_lease_shorter_than_budget_plus_one_letter_is_a_warning(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = 10
    settings.TRIGGERS_TICK_TIME_BUDGET = 45
    settings.TRIGGERS_SEND_LEASE = timedelta(seconds=90)  # 45 s + up to 153 s for one letter
    assert "wagtail_triggers.W103" in _ids()
    settings.TRIGGERS_SEND_LEASE = timedelta(minutes=10)
    assert "wagtail_triggers.W103" not in _ids()


def _doorbell_ids() -> set[str]:
    return {warning.id for warning in check_doorbell_cache()}


def test_a_doorbell_cache_other_processes_cannot_see_is_a_warning(settings):
    """The site sets the doorbell's mark, the worker clears it: a per-process or dummy cache
    breaks that once django-q2 runs tasks in worker processes."""
    settings.TRIGGERS_ENQUEUE_EVENTS = True
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "timeout": 60}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert _doorbell_ids() == {"wagtail_triggers.W105"}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert _doorbell_ids() == {"wagtail_triggers.W105"}


def test_a_shared_doorbell_cache_a_sync_cluster_or_no_doorbell_pass(settings, tmp_path):
    settings.TRIGGERS_ENQUEUE_EVENTS = True
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "timeout": 60}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)},
    }
    settings.TRIGGERS_DOORBELL_CACHE = "shared"
    assert _doorbell_ids() == set()
    settings.TRIGGERS_DOORBELL_CACHE = None
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "sync": True}
    assert _doorbell_ids() == set()
    settings.Q_CLUSTER = {"name": "t", "orm": "default", "timeout": 60}
    settings.TRIGGERS_ENQUEUE_EVENTS = False
    assert _doorbell_ids() == set()
