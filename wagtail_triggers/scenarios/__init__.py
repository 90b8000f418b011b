"""Scenario kinds: the code half of a scenario (triggers, goals, default chain).

Importing this package needs the app registry (the kinds' base class uses the models); the
models themselves use the leaf :mod:`wagtail_triggers.kinds`, so there is no cycle.
"""

from __future__ import annotations

from .base import KindOption, ScenarioKind, StepSpec
from .registry import registry

__all__ = ["KindOption", "ScenarioKind", "StepSpec", "registry"]
