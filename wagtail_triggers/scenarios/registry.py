"""The public home of the kind registry: ``from wagtail_triggers.scenarios.registry import registry``.

The registry itself lives in the leaf module :mod:`wagtail_triggers.kinds`, so that the models
can use it without importing this package.
"""

from __future__ import annotations

from ..kinds import KindRegistry, UnknownKind, registry

__all__ = ["KindRegistry", "UnknownKind", "registry"]
