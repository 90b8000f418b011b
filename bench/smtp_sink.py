"""A loopback SMTP server for the benchmark: accepts everything, keeps only what it counts.

It mirrors ``tests/smtp_server.py`` (aiosmtpd on 127.0.0.1) but parses nothing: each accepted
message leaves its arrival time, its Message-ID (read from the header bytes) and its
recipients, so the benchmark can count letters exactly once and time the last acceptance
without the server's own parsing slowing the senders down.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.smtp_server import free_port

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(.+?)\r?$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Arrival:
    at: float  # time.time() when the server accepted the message
    message_id: str
    recipients: tuple[str, ...]


@dataclass
class Sink:
    arrivals: list[Arrival] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(head)
        arrival = Arrival(
            time.time(),
            match.group(1).strip().decode("ascii", "replace") if match else "",
            tuple(address.lower() for address in envelope.rcpt_tos),
        )
        with self.lock:
            self.arrivals.append(arrival)
        return "250 Message accepted for delivery"

    # -- what arrived ------------------------------------------------------------------------

    def clear(self) -> None:
        with self.lock:
            self.arrivals.clear()

    def snapshot(self) -> list[Arrival]:
        with self.lock:
            return list(self.arrivals)

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def copies(self) -> Counter:
        """How many times each Message-ID arrived."""
        return Counter(arrival.message_id for arrival in self.snapshot())


class SinkServer:
    """The sink listening on a free loopback port (``port``) until ``stop()``."""

    def __init__(self) -> None:
        self.sink = Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def start(self) -> SinkServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
