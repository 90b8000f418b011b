"""Scenario kinds: the code half of a scenario (triggers, goals, default chain)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .registry import registry

if TYPE_CHECKING:  # pragma: no cover
    from .base import KindOption, ScenarioKind, StepSpec

__all__ = ["KindOption", "ScenarioKind", "StepSpec", "registry"]


def __getattr__(name: str) -> Any:
    # Lazy: the models import the registry through this package, and the kinds' base class
    # imports the models, so the package itself must not import ``base`` on the way in.
    if name in {"KindOption", "ScenarioKind", "StepSpec"}:
        return getattr(import_module(f"{__name__}.base"), name)
    raise AttributeError(name)
