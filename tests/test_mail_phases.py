"""The phase of an SMTP failure decides its fate: one message per fault against a real loopback
server, through Django's own SMTP backend (the check runs under Django 5.2 and 6.x alike)."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage

from wagtail_triggers.mail import MailSession, SendOutcome, is_hard_bounce

from .smtp_server import DROP, Sleep, faulty_smtp_server

# recipient → (cue stage, action, expected outcome)
FAULTS = {
    "a@example.com": ("rcpt", DROP, SendOutcome.RESEND),  # dropped before the message: resend at once
    "b@example.com": ("rcpt", "421 4.7.0 Busy", SendOutcome.RETRY),  # temporary: later, with backoff
    "c@example.com": ("rcpt", "550 5.1.1 No such user", SendOutcome.FAILED),  # permanent, a bounce
    "d@example.com": ("data", DROP, SendOutcome.UNKNOWN),  # dropped after the whole message
    "e@example.com": ("data", Sleep(1.5), SendOutcome.UNKNOWN),  # final reply later than the timeout
    "f@example.com": ("rcpt", Sleep(1.5), SendOutcome.RESEND),  # timeout before the message
    "g@example.com": ("rcpt", None, SendOutcome.SENT),
}


def test_each_fault_is_classified_by_when_it_happened_and_the_session_recovers(settings):
    with faulty_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        for address, (stage, action, _expected) in FAULTS.items():
            if action is not None:
                getattr(server.inbox, f"on_{stage}")(address, action)
        session = MailSession()
        outcomes = {}
        try:
            for address in FAULTS:
                assert session.ensure_open()  # reopened after every broken connection
                result = session.send(EmailMessage("Hello", "Body", "shop@example.com", [address]))
                outcomes[address] = result
        finally:
            session.close()
    assert {a: r.outcome for a, r in outcomes.items()} == {a: f[2] for a, f in FAULTS.items()}
    assert [a for a, r in outcomes.items() if r.hard_bounce] == ["c@example.com"]
    assert outcomes["b@example.com"].code == 421 and outcomes["c@example.com"].code == 550
    received = sorted(rcpt for envelope in server.inbox.envelopes for rcpt in envelope.rcpt_tos)
    assert received == ["d@example.com", "e@example.com", "g@example.com"]  # d and e: kept, client unsure


@pytest.mark.parametrize(
    ("code", "reply", "bounce"),
    [
        (550, b"5.1.1 No such user", True),
        (550, b"Mailbox unavailable", True),  # no enhanced code: the classic meaning
        (553, b"5.1.3 Bad address syntax", True),
        (550, b"5.7.1 Message refused by policy", False),
        (552, b"5.2.2 Mailbox full", False),
        (554, b"5.1.1 No such user", False),  # 554 is a transaction failure, not an address verdict
    ],
)
def test_only_a_refusal_of_the_address_itself_is_a_hard_bounce(code, reply, bounce):
    assert is_hard_bounce(code, reply) is bounce
