"""Fixed sets of values shared by models, links and views, importable without the app registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnswerKey(models.TextChoices):
    """The one-click answers to "why did you stop coming?" (``links.answers``)."""

    TOO_EXPENSIVE = "too_expensive", _("Too expensive")
    NOT_FOUND = "not_found", _("Didn't find what I needed")
    ELSEWHERE = "elsewhere", _("Bought elsewhere")
    BUSY = "busy", _("Just busy, I'll be back")
    OTHER = "other", _("Something else")


class StopReason(models.TextChoices):
    """Why a chain ended early or a queued letter was skipped (``Enrollment.stop_reason``,
    ``Delivery.reason``). Kinds and consent may store their own short reasons too."""

    SCENARIO_DISABLED = "scenario disabled", _("Scenario switched off")
    REMOVED_BY_STAFF = "removed by staff", _("Removed by staff")
    CART_EMPTIED = "cart emptied", _("Cart emptied")
    ERASED = "erased", _("Person forgotten")
    GOAL_REACHED = "goal reached", _("Goal reached")
    GOAL_BEFORE_SWITCH_ON = (
        "goal reached before the scenario was switched on",
        _("Goal reached before the scenario was switched on"),
    )
    TEST_MODE = "test mode", _("Test mode: not a test address")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    SUPPRESSED = "suppressed", _("Suppressed")
    NO_MORE_LETTERS = "no more letters", _("No more letters")


class EventOutcome(models.TextChoices):
    """What a scenario kind did with a trigger event; the value is the tick report's counter."""

    ENROLLED = "enrolled", _("Enrolled")
    REFRESHED = "refreshed", _("Refreshed")
    STOPPED = "stopped", _("Stopped")
