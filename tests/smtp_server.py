"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives and misbehaves on cue.

``smtp_server()`` is the well-behaved server. ``faulty_smtp_server()`` yields a
:class:`LoopbackSMTP` whose inbox takes a script, per recipient address:

- ``inbox.on_rcpt(address, "421 4.7.0 Try later")`` answers that code to ``RCPT TO`` (a 421
  also closes the connection, as RFC 5321 says);
- ``inbox.on_rcpt(address, DROP)`` closes the connection instead of answering ``RCPT TO``;
- ``inbox.on_rcpt(address, Sleep(1.5))`` answers ``RCPT TO`` only after 1.5 s;
- ``inbox.on_rcpt(address, DIE)`` stops listening and drops the connection (the server is gone);
- ``inbox.on_data(address, DROP)`` keeps the message, then closes the connection before the
  final reply (the client cannot know the message was accepted);
- ``inbox.on_data(address, Sleep(1.5))`` keeps the message and replies 250 after 1.5 s.

Each cue fires ``times`` times (default once; ``None``: every time). Real sockets, real SMTP.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Sleep:
    seconds: float


DROP = "drop"
DIE = "die"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []
        self.refuse_with: str | None = None
        self.cues: dict[tuple[str, str], list] = {}  # (stage, address) -> [action, times left]
        self.fired: Counter = Counter()  # (stage, address) -> how many times a cue fired
        self.server_down = None  # set by LoopbackSMTP: stops listening (DIE)

    # -- the script ------------------------------------------------------------------------

    def on_rcpt(self, address: str, action, *, times: int | None = 1) -> None:
        self.cues[("rcpt", address.lower())] = [action, times]

    def on_data(self, address: str, action, *, times: int | None = 1) -> None:
        self.cues[("data", address.lower())] = [action, times]

    def _cue(self, stage: str, address: str):
        key = (stage, address.lower())
        cue = self.cues.get(key)
        if not cue or cue[1] == 0:
            return None
        if cue[1] is not None:
            cue[1] -= 1
        self.fired[key] += 1
        return cue[0]

    # -- aiosmtpd hooks ----------------------------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        action = self._cue("rcpt", address)
        if action == DROP:
            server.transport.close()
            return "421 4.4.2 dropped"  # never reaches the client: the connection is closed
        if action == DIE:
            self.server_down()
            server.transport.close()
            return "421 4.4.2 gone"
        if isinstance(action, Sleep):
            await asyncio.sleep(action.seconds)
        elif isinstance(action, str):
            if action.startswith("421"):
                asyncio.get_running_loop().call_soon(server.transport.close)  # after the reply
            return action
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        actions = [self._cue("data", rcpt) for rcpt in envelope.rcpt_tos]
        if DROP in actions:
            server.transport.close()  # kept, but the client never hears so
        for action in actions:
            if isinstance(action, Sleep):
                await asyncio.sleep(action.seconds)
        return "250 Message accepted for delivery"

    # -- what arrived --------------------------------------------------------------------------

    def raw(self) -> list[bytes]:
        """Each message's bytes exactly as they crossed the wire, before any parsing."""
        return [envelope.original_content for envelope in self.envelopes]

    def copies(self) -> Counter:
        """How many times each (Message-ID, recipient) arrived."""
        return Counter(
            (message["Message-ID"], rcpt.lower())
            for message, envelope in zip(self.messages, self.envelopes, strict=True)
            for rcpt in envelope.rcpt_tos
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackSMTP:
    """An aiosmtpd server on 127.0.0.1 that can stop listening and come back on the same port."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.inbox.server_down = self._stop_listening
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def _stop_listening(self) -> None:
        """Called on the server's loop: no new connections from now on."""
        assert self.controller is not None and self.controller.server is not None
        self.controller.server.close()

    def stop(self) -> None:
        if self.controller is not None:
            with suppress(AssertionError, RuntimeError):  # already closed by DIE
                self.controller.stop()
            self.controller = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def smtp_server():
    server = LoopbackSMTP()
    server.start()
    try:
        yield server.inbox, server.port
    finally:
        server.stop()


@contextmanager
def faulty_smtp_server():
    server = LoopbackSMTP()
    server.start()
    try:
        yield server
    finally:
        server.stop()
