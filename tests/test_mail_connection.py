"""Trigger letters can go through another email provider than the shop's transactional mail:
``TRIGGERS_EMAIL_BACKEND`` (a backend path) or, on Django 6.1+, ``TRIGGERS_MAILER`` (a name in
``MAILERS``). Letters, test letters and the send-timing checks all use that backend."""

from __future__ import annotations

import contextlib

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from wagtail_triggers.admin.testsend import send_test
from wagtail_triggers.checks import check_send_timing
from wagtail_triggers.mail import letters_connection, mailers
from wagtail_triggers.models import EmailTemplate

from .smtp_server import smtp_server

SMTP = "django.core.mail.backends.smtp.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
needs_mailers = pytest.mark.skipif(mailers is None, reason="this Django has no MAILERS (6.1+)")


@pytest.fixture
def loopback():
    with smtp_server() as (inbox, port):
        yield inbox, port


def backend_path_in_use():
    """Django 6.1 deprecates backend paths (as it deprecates EMAIL_BACKEND) and says so; older
    Django takes them silently."""
    if mailers is None:
        return contextlib.nullcontext()
    return pytest.warns(PendingDeprecationWarning, match="get_connection")


@pytest.fixture
def triggers_smtp(settings, loopback):
    """TRIGGERS_EMAIL_BACKEND is SMTP on loopback while EMAIL_BACKEND stays locmem."""
    inbox, port = loopback
    assert settings.EMAIL_BACKEND == LOCMEM
    settings.TRIGGERS_EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    return inbox


def test_a_letter_goes_through_triggers_email_backend_not_email_backend(triggers_smtp, enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    with backend_path_in_use():
        assert clock.tick(minutes=61).counts["sent"] == 1
    assert [message["To"] for message in triggers_smtp.messages] == ["anna@example.com"]
    assert mail.outbox == []


def test_a_test_letter_goes_through_triggers_email_backend(triggers_smtp, builtins, django_user_model):
    owner = django_user_model.objects.create_superuser("owner", "owner@example.com", "pw")
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    with backend_path_in_use():
        assert send_test(letter, ["owner@example.com"], user=owner) == 1
    assert [message["To"] for message in triggers_smtp.messages] == ["owner@example.com"]
    assert mail.outbox == []


def test_the_timing_checks_read_the_backend_of_trigger_letters(settings):
    settings.TRIGGERS_EMAIL_BACKEND = SMTP
    settings.EMAIL_TIMEOUT = None
    with backend_path_in_use():
        assert "wagtail_triggers.W102" in {warning.id for warning in check_send_timing()}
    settings.TRIGGERS_EMAIL_BACKEND = None  # locmem has no timeout to wait for
    assert "wagtail_triggers.W102" not in {warning.id for warning in check_send_timing()}


def test_a_mailer_and_a_backend_path_together_are_refused(settings):
    settings.TRIGGERS_MAILER, settings.TRIGGERS_EMAIL_BACKEND = "letters", SMTP
    with pytest.raises(ImproperlyConfigured, match="not both"):
        letters_connection()


@pytest.fixture
def letters_mailer(settings, loopback):
    """MAILERS: the default mailer keeps locmem, the "letters" mailer is SMTP on loopback."""
    inbox, port = loopback
    settings.MAILERS = {
        "default": {"BACKEND": LOCMEM},
        "letters": {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2}},
    }
    settings.TRIGGERS_MAILER = "letters"
    return inbox


@needs_mailers
def test_a_letter_goes_through_the_named_mailer(letters_mailer, enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    assert clock.tick(minutes=61).counts["sent"] == 1
    assert [message["To"] for message in letters_mailer.messages] == ["anna@example.com"]
    assert mail.outbox == []


@needs_mailers
def test_the_timing_checks_read_the_named_mailers_timeout(letters_mailer, settings):
    assert letters_connection().timeout == 2
    assert "wagtail_triggers.W102" not in {warning.id for warning in check_send_timing()}
    settings.MAILERS = {"default": {"BACKEND": LOCMEM}, "letters": {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1"}}}
    assert "wagtail_triggers.W102" in {warning.id for warning in check_send_timing()}


@needs_mailers
def test_a_backend_path_with_mailers_is_refused(letters_mailer, settings):
    settings.TRIGGERS_MAILER, settings.TRIGGERS_EMAIL_BACKEND = None, SMTP
    with pytest.raises(ImproperlyConfigured, match="TRIGGERS_MAILER"):
        letters_connection()


@pytest.mark.skipif(mailers is not None, reason="this Django has MAILERS")
def test_a_mailer_needs_a_django_with_mailers(settings):
    settings.TRIGGERS_MAILER = "letters"
    with pytest.raises(ImproperlyConfigured, match="MAILERS"):
        letters_connection()
