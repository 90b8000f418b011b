"""System checks: the send path's timing (a tick must end before django-q2 kills it, and a
letter's lease must outlast the longest a worker can legitimately spend on it), the doorbell's
cache (seen by every process), and the postal address that marketing letters must carry."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, connections, router

from . import conf
from .events import doorbell_cache
from .mail import letters_connection
from .models import Scenario
from .ticktime import budget_seconds, q_cluster_timeout, seconds


def letters_backend() -> BaseEmailBackend | None:
    """The backend trigger letters go through (built, never opened); None when it cannot be built
    (the tick reports that error when it sends)."""
    try:
        return letters_connection()
    except (ImproperlyConfigured, ImportError):  # Django's mailer errors are ImproperlyConfigured
        return None


def worst_letter_seconds(backend: BaseEmailBackend | None) -> float | None:
    """The longest one letter may take after the budget check: every SMTP step may wait for
    the backend's timeout (``EMAIL_TIMEOUT``, or the mailer's ``timeout`` option), and a broken
    connection is reopened a few times with doubling sleeps."""
    timeout = getattr(backend, "timeout", None)
    if not timeout:
        return None
    tries = max(1, int(conf.get("TRIGGERS_SMTP_RECONNECT_TRIES")))
    backoff = seconds(conf.get("TRIGGERS_SMTP_RECONNECT_BACKOFF"))
    sleeps = sum(backoff * 2**n for n in range(tries - 1))
    # connect + EHLO + MAIL + RCPT + DATA + final reply, then reconnecting and sending once more
    return 6 * float(timeout) * 2 + tries * float(timeout) + sleeps


@register()
def check_send_timing(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    warnings: list[Warning] = []
    budget = budget_seconds()
    timeout = q_cluster_timeout()
    if timeout and budget >= timeout:
        warnings.append(
            Warning(
                f"TRIGGERS_TICK_TIME_BUDGET ({budget:g} s) is not below Q_CLUSTER['timeout'] ({timeout:g} s).",
                hint="django-q2 kills a task at its timeout, possibly in the middle of a send. Leave a margin "
                "for one letter in flight, e.g. a budget of 45 s for a timeout of 60 s.",
                id="wagtail_triggers.W101",
            )
        )
    backend = letters_backend()
    worst = worst_letter_seconds(backend)
    if isinstance(backend, SMTPBackend) and worst is None:
        warnings.append(
            Warning(
                "The SMTP backend of trigger letters has no timeout: a mail server that stops answering "
                "holds a letter (and the tick) forever.",
                hint="Set EMAIL_TIMEOUT (or the 'timeout' option of the mailer in MAILERS), e.g. 10 seconds.",
                id="wagtail_triggers.W102",
            )
        )
    lease = seconds(conf.get("TRIGGERS_SEND_LEASE"))
    needed = budget + (worst or 0)
    if lease <= needed:
        warnings.append(
            Warning(
                f"TRIGGERS_SEND_LEASE ({lease:g} s) is not longer than the tick's time budget plus one "
                f"letter's worst case ({needed:g} s).",
                hint="Another worker would mark letters still being sent as 'unknown'. Lengthen the lease "
                "or shorten TRIGGERS_TICK_TIME_BUDGET / EMAIL_TIMEOUT.",
                id="wagtail_triggers.W103",
            )
        )
    return warnings


@register()
def check_doorbell_cache(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """The doorbell's "a task is waiting" mark must be seen by every process: the web process
    sets it, the worker that runs the task clears it. A per-process cache never sees it cleared
    (events wait up to ``TRIGGERS_DOORBELL_TTL``); a dummy cache never keeps it (one task per event)."""
    q_cluster = getattr(settings, "Q_CLUSTER", None) or {}
    if not conf.get("TRIGGERS_ENQUEUE_EVENTS") or q_cluster.get("sync"):
        return []
    cache = doorbell_cache()
    if not isinstance(cache, LocMemCache | DummyCache):
        return []
    return [
        Warning(
            f"The doorbell's cache ({type(cache).__name__}) is not shared between processes: events recorded "
            "by the site reach the django-q2 worker late or ring once per event.",
            hint="Point TRIGGERS_DOORBELL_CACHE (or Q_CLUSTER['cache'], else CACHES['default']) at a cache "
            "every process shares: Redis, Memcached, the database cache or a file-based cache on one machine.",
            id="wagtail_triggers.W105",
        )
    ]


@register()
def check_shop_address(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Marketing letters must show the sender's postal address (CAN-SPAM; EU and Russian law
    expect the sender to be identifiable), and the shipped footer prints ``TRIGGERS_SHOP_ADDRESS``.

    Scenarios are database rows, so this reads the database; it is a regular check (checks
    tagged ``database`` run only with ``--database``, and this warning must show on ``runserver``
    and ``check``) that stays silent while the database is unreachable or not migrated yet.
    """
    if str(conf.get("TRIGGERS_SHOP_ADDRESS") or "").strip():
        return []
    names = _enabled_marketing_scenarios()
    if not names:
        return []
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return [
        Warning(
            f"Marketing scenarios are enabled ({shown}) but TRIGGERS_SHOP_ADDRESS is empty: their "
            "letters go out without the shop's postal address.",
            hint="Set TRIGGERS_SHOP_ADDRESS to the postal address of the business that sends the letters, "
            'e.g. "Example Shop Ltd, 1 Market Street, London N1 1AA, United Kingdom"; the footer of every '
            "letter prints it. CAN-SPAM requires it in commercial email, and EU and Russian law expect it.",
            id="wagtail_triggers.W104",
        )
    ]


def _enabled_marketing_scenarios() -> list[str]:
    """Names of the enabled scenarios that are not transactional; none if the table is not there."""
    alias = router.db_for_read(Scenario)
    try:
        if Scenario._meta.db_table not in connections[alias].introspection.table_names():
            return []  # before migrate: nothing is enabled yet
        scenarios = list(Scenario.objects.using(alias).enabled().only("name", "kind", "transactional"))
    except DatabaseError:
        return []  # no database yet (e.g. collectstatic in a build): nothing to warn about
    return [scenario.name for scenario in scenarios if not _is_transactional(scenario)]


def _is_transactional(scenario: Any) -> bool:
    try:
        return scenario.is_transactional
    except LookupError:  # a kind no longer registered: the engine skips it, so it sends nothing
        return True
