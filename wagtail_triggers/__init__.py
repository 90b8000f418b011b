"""Trigger email chains for Wagtail shops.

The public API is deliberately small: :func:`record_event` (and the signals in
:mod:`wagtail_triggers.signals`, which end there), the event kind constants in
:class:`EventKind`, and :func:`tick` for running the engine by hand.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["EventKind", "InvalidEvent", "record_event", "tick"]

if TYPE_CHECKING:  # pragma: no cover
    from .engine import tick
    from .events import EventKind, InvalidEvent, record_event

# Where each public name lives. Resolved on first use, so importing the package (as the shop
# adapters in ``contrib`` do) never touches the app registry nor loads the engine.
_EXPORTS = {"record_event": "events", "EventKind": "events", "InvalidEvent": "events", "tick": "engine"}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(import_module(f"{__name__}.{module}"), name)
