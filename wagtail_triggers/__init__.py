"""Trigger email chains for Wagtail shops.

The public API is deliberately small: :func:`record_event` (and the signals in
:mod:`wagtail_triggers.signals`, which end there), the event kind constants in
:class:`EventKind`, and :func:`tick` for running the engine by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["EventKind", "InvalidEvent", "record_event", "tick"]

if TYPE_CHECKING:  # pragma: no cover
    from .engine import tick
    from .events import EventKind, InvalidEvent, record_event


def __getattr__(name: str) -> Any:
    # Lazy so that importing the package never touches the app registry.
    if name in {"record_event", "EventKind", "InvalidEvent"}:
        from . import events

        return getattr(events, name)
    if name == "tick":
        from .engine import tick

        return tick
    raise AttributeError(name)
