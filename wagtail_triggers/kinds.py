"""The registry of scenario kinds. Sites add their own with ``registry.register``.

A leaf at the top of the package (kinds are only type hints here): the models look kinds up
through it without importing the ``scenarios`` package, whose base class imports the models.
The public name stays ``wagtail_triggers.scenarios.registry``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .scenarios.base import ScenarioKind


class UnknownKind(LookupError):
    pass


class KindRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, ScenarioKind] = {}

    def register(self, kind: type[ScenarioKind] | ScenarioKind) -> type[ScenarioKind] | ScenarioKind:
        """Register a kind (usable as a class decorator)."""
        instance = kind() if isinstance(kind, type) else kind
        if not instance.kind:
            raise ValueError("A scenario kind needs a `kind` identifier.")
        self._kinds[instance.kind] = instance
        return kind

    def get(self, kind: str) -> ScenarioKind:
        try:
            return self._kinds[kind]
        except KeyError:
            raise UnknownKind(kind) from None

    def __iter__(self) -> Iterator[ScenarioKind]:
        return iter(sorted(self._kinds.values(), key=lambda k: (k.priority, k.kind)))

    def __contains__(self, kind: str) -> bool:
        return kind in self._kinds

    def triggered_by(self, event_kind: str) -> list[ScenarioKind]:
        return [k for k in self if event_kind in k.trigger_events]


registry = KindRegistry()
