"""Backfilling contacts from the user model and from CSV: idempotent, resumable, useful at once."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from wagtail_triggers import importing
from wagtail_triggers.importing import Checkpoint, CsvSource, UserSource, run_import
from wagtail_triggers.models import Contact, Event

from .conftest import scenario_of

pytestmark = pytest.mark.django_db

User = get_user_model()


def _user(username, email, *, last_login=None, joined=None, active=True, **extra):
    """A user who joined ``joined`` (default: 400 days ago) and last logged in ``last_login``."""
    user = User.objects.create_user(username, email, "pw", is_active=active, **extra)
    joined = joined or timezone.now() - timedelta(days=400)
    User.objects.filter(pk=user.pk).update(last_login=last_login, date_joined=joined)
    user.refresh_from_db()
    return user


def _import(*args, tmp_path, **kwargs) -> str:
    out = io.StringIO()
    call_command(
        "triggers_import_contacts", *args, "--checkpoint", str(tmp_path / "progress.json"), stdout=out, **kwargs
    )
    return out.getvalue()


def test_users_become_contacts_seen_at_their_last_login(tmp_path):
    now = timezone.now()
    anna = _user(
        "anna",
        "Anna@Example.com",
        last_login=now - timedelta(days=100),
        joined=now - timedelta(days=400),
        first_name="Anna",
    )
    _user("boris", "boris@example.com", joined=now - timedelta(days=30))  # never logged in
    _user("ghost", "")  # no email
    _user("gone", "gone@example.com", active=False)
    out = _import("users", tmp_path=tmp_path)
    assert "read=2 created=2" in out
    contact = Contact.objects.get(email="anna@example.com")
    assert contact.user_id == anna.pk
    assert contact.first_name == "Anna"
    assert contact.last_seen_at == contact.last_activity_at
    assert abs(contact.last_seen_at - (now - timedelta(days=100))) < timedelta(seconds=1)
    assert abs(contact.created_at - (now - timedelta(days=400))) < timedelta(seconds=1)
    boris = Contact.objects.get(email="boris@example.com")
    assert abs(boris.last_activity_at - (now - timedelta(days=30))) < timedelta(seconds=1)  # joined = seen
    assert not Contact.objects.filter(email="gone@example.com").exists()
    assert not Event.objects.exists()  # history, not events: no event-triggered chain starts


def test_inactive_users_on_request(tmp_path):
    _user("gone", "gone@example.com", active=False)
    _import("users", "--include-inactive", tmp_path=tmp_path)
    assert Contact.objects.filter(email="gone@example.com").exists()


def test_importing_twice_changes_nothing_the_second_time(tmp_path):
    for i in range(7):
        _user(f"u{i}", f"u{i}@example.com", last_login=timezone.now() - timedelta(days=i))
    _import("users", "--batch-size", "3", tmp_path=tmp_path)
    before = list(Contact.objects.order_by("email").values())
    out = _import("users", "--batch-size", "3", tmp_path=tmp_path)
    assert "created=0 updated=0 unchanged=7" in out
    assert list(Contact.objects.order_by("email").values()) == before


def test_an_import_never_moves_live_activity_back_and_only_fills_blanks(events, clock, tmp_path):
    events.seen(email="anna@example.com", customer={"first_name": "Anya"})
    clock.tick()
    _user(
        "anna",
        "anna@example.com",
        last_login=timezone.now() - timedelta(days=200),
        first_name="Anna",
        last_name="Kowalska",
    )
    _import("users", tmp_path=tmp_path)
    contact = Contact.objects.get()
    assert contact.last_seen_at == clock.now  # the live visit is later than the last login
    assert (contact.first_name, contact.last_name) == ("Anya", "Kowalska")


def _csv(tmp_path, text: str, name="people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_with_name_last_seen_and_language(tmp_path):
    path = _csv(
        tmp_path,
        "Email;Name;Last seen;Language\n"
        "anna@example.com;Anna Kowalska;2025-01-31T18:00:00Z;ru_RU\n"
        "boris@example.com;Boris;2025-02-01;en\n"
        "not-an-email;Nobody;2025-02-01;en\n"
        "clara@example.com;Clara;yesterday;de\n"
        "ANNA@example.com;;2024-06-01;\n",
    )
    err = io.StringIO()
    out = _import("csv", str(path), tmp_path=tmp_path, stderr=err)
    assert "read=5 created=2" in out and "skipped=2" in out
    assert "line 4" in err.getvalue() and "line 5: last seen" in err.getvalue()
    anna = Contact.objects.get(email="anna@example.com")
    assert (anna.first_name, anna.last_name, anna.language) == ("Anna", "Kowalska", "ru-ru")
    assert anna.last_seen_at == datetime(2025, 1, 31, 18, tzinfo=UTC)  # the later of the two rows
    boris = Contact.objects.get(email="boris@example.com")
    assert boris.last_seen_at == datetime(2025, 2, 1, tzinfo=UTC)  # a date: midnight, site time zone


def test_a_csv_without_an_email_column_is_refused(tmp_path):
    path = _csv(tmp_path, "name,last seen\nAnna,2025-01-01\n")
    with pytest.raises(CommandError, match="no email column"):
        _import("csv", str(path), tmp_path=tmp_path)
    with pytest.raises(CommandError, match="needs a file"):
        _import("csv", tmp_path=tmp_path)


def test_an_interrupted_import_resumes_after_its_last_batch(tmp_path, monkeypatch):
    rows = "".join(f"p{i}@example.com,Person {i},2025-01-{i + 1:02d}\n" for i in range(10))
    path = _csv(tmp_path, "email,name,last_seen\n" + rows)
    checkpoint = Checkpoint(tmp_path / "progress.json")
    real_upsert = importing.upsert_contacts
    calls = []

    def crash_on_third_batch(batch, report):
        calls.append(len(batch))
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_upsert(batch, report)

    monkeypatch.setattr(importing, "upsert_contacts", crash_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        run_import(CsvSource(path), batch_size=3, checkpoint=checkpoint, show_progress=False)
    assert Contact.objects.count() == 6
    assert json.loads(checkpoint.path.read_text())["position"] == 6

    monkeypatch.setattr(importing, "upsert_contacts", real_upsert)
    report = run_import(CsvSource(path), batch_size=3, checkpoint=checkpoint, show_progress=False)
    assert report.resumed_from == 6
    assert report.counts["read"] == 4  # only what was left
    assert Contact.objects.count() == 10
    assert not checkpoint.path.exists()  # finished: nothing to resume


def test_a_changed_file_starts_over_instead_of_resuming(tmp_path):
    path = _csv(tmp_path, "email\na@example.com\nb@example.com\n")
    checkpoint = Checkpoint(tmp_path / "progress.json")
    checkpoint.save(CsvSource(path), 1, importing.ImportReport())
    path.write_text("email\na@example.com\nb@example.com\nc@example.com\n")
    report = run_import(CsvSource(path), checkpoint=checkpoint, show_progress=False)
    assert report.resumed_from is None and report.counts["read"] == 3


def test_users_resume_after_the_last_imported_primary_key(tmp_path):
    users = [_user(f"u{i}", f"u{i}@example.com") for i in range(5)]
    checkpoint = Checkpoint(tmp_path / "progress.json")
    checkpoint.save(UserSource(), users[2].pk, importing.ImportReport())
    report = run_import(UserSource(), checkpoint=checkpoint, show_progress=False)
    assert report.counts["read"] == 2
    assert set(Contact.objects.values_list("email", flat=True)) == {"u3@example.com", "u4@example.com"}


def test_the_progress_bar_is_drawn_on_a_terminal(tmp_path):
    path = _csv(tmp_path, "email\n" + "".join(f"p{i}@example.com\n" for i in range(5)))
    screen = io.StringIO()
    run_import(
        CsvSource(path), batch_size=2, checkpoint=Checkpoint(tmp_path / "p.json"), progress=screen, show_progress=True
    )
    drawn = screen.getvalue()
    assert drawn.startswith("\r[") and "5/5 100%" in drawn and drawn.endswith("\n")
    quiet = io.StringIO()
    run_import(CsvSource(path), checkpoint=Checkpoint(tmp_path / "p.json"), progress=quiet)  # not a tty
    assert quiet.getvalue() == ""


def test_imported_customers_get_wake_up_letters_on_the_next_tick(enable, clock, tmp_path):
    enable("wakeup_90")
    _user("anna", "anna@example.com", last_login=timezone.now() - timedelta(days=120))
    _user("boris", "boris@example.com", last_login=timezone.now() - timedelta(days=10))
    _import("users", tmp_path=tmp_path)
    clock.tick()
    assert [(m.to, scenario_of(m)) for m in mail.outbox] == [(["anna@example.com"], "wakeup_90")]
