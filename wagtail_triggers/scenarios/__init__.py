"""Scenario kinds: the code half of a scenario (triggers, goals, default chain)."""

from .base import ScenarioKind, StepSpec
from .registry import registry

__all__ = ["ScenarioKind", "StepSpec", "registry"]
