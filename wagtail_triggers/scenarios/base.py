"""The base class of scenario kinds and the enrolment primitives they share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import Promise

from ..choices import EventOutcome
from ..models import Contact, Enrollment, Event, Scenario


@dataclass(frozen=True)
class KindOption:
    """A setting only some kinds understand, kept in ``Scenario.settings`` (JSON).

    Declared once, on the kinds that understand it: the admin builds and validates its form
    field from this, and ``Scenario.option`` falls back to ``default``. (The settings every
    kind understands are fields of ``Scenario``.)
    """

    name: str
    type: type[bool] | type[int]
    default: bool | int | None
    label: str | Promise
    help_text: str | Promise = ""
    section: str = "audience"  # where the admin shows it: "audience" (who) or "timing" (when and how)
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True)
class StepSpec:
    """One letter of a kind's default chain."""

    key: str  # letter key, e.g. "forgotten_cart/reminder"
    name: str | Promise
    delay: timedelta
    coupon_percent: int | None = None
    coupon_valid_days: int = 14
    # A name that states the coupon ("A hidden {n} % discount"): ``name`` is it with the default
    # percent; the admin shows it with the step's current percent (``wagtail_triggers.labels``).
    name_pattern: str | Promise | None = None


def chain_numbers(steps: Iterable[tuple[str, timedelta, int | None]]) -> dict[str, int | None]:
    """The numbers a description may state, from a chain's ``(letter key, delay, coupon %)``
    in order: ``{<key's last part>_percent}`` and ``{<…>_day}`` (days since the chain began)."""
    numbers: dict[str, int | None] = {}
    elapsed = timedelta(0)
    for key, delay, percent in steps:
        part = key.rsplit("/", 1)[-1]
        elapsed += delay
        numbers[f"{part}_percent"], numbers[f"{part}_day"] = percent, elapsed.days
    return numbers


class ScenarioKind:
    """What a kind of scenario reacts to. Subclass, set the attributes, register it.

    The engine calls :meth:`on_event` for events in ``trigger_events``, :meth:`goal_q` when
    any event arrives and again right before each letter, :meth:`skip_reason` before each
    letter, and :meth:`scan` on every tick for time-based kinds.
    """

    kind: str = ""
    name: str | Promise = ""
    description: str | Promise = ""
    # A description that states numbers of the chain: ``description`` with {placeholders} from
    # :func:`chain_numbers` and ``description_fixed``; the admin fills in the chain's current ones.
    description_pattern: str | Promise | None = None
    description_fixed: dict[str, Any] = {}
    goal_description: str | Promise = ""
    subject_type: str | None = None  # "cart", "order" or None: what the letters show
    trigger_events: tuple[str, ...] = ()
    priority: int = 100
    allows_transactional: bool = False  # may the owner mark it transactional?
    scan_rank: int = 0  # scans run in descending rank (inactivity kinds: days of absence)
    # Values of the ``Scenario`` settings fields (e.g. ``{"track_opens": False}``) for a new
    # scenario of this kind, where they differ from the fields' defaults.
    default_settings: dict[str, Any] = {}
    options: tuple[KindOption, ...] = ()  # the kind's own settings
    default_steps: tuple[StepSpec, ...] = ()

    # -- hooks ----------------------------------------------------------------------------
    def description_numbers(self, numbers: dict[str, int | None]) -> dict[str, Any]:
        """The values for ``description_pattern``, from a chain's :func:`chain_numbers`."""
        return {**numbers, **self.description_fixed}

    def on_event(self, scenario: Scenario, contact: Contact, event: Event) -> EventOutcome | None:
        """React to a trigger event; return what it did (counted in the tick report) or None."""
        return None

    def goal_q(self, enrollment: Enrollment) -> Q | None:
        """Events (of the enrollment's contact, after it started) that end the chain."""
        return None

    def skip_reason(self, enrollment: Enrollment) -> str | None:
        """A reason not to send the next letter now (and to stop the chain), or None."""
        return None

    def scan(self, scenario: Scenario, now: datetime) -> int:
        """Enrol contacts found by a query rather than by an event; returns how many."""
        return 0

    # -- shared helpers -------------------------------------------------------------------
    def audience_allows(self, scenario: Scenario, contact: Contact, snapshot: dict[str, Any]) -> bool:
        """Audience filters common to all kinds (see docs/settings.md, "audience")."""
        if scenario.exclude_staff and contact.user_id and contact.user.is_staff:
            return False
        previous = scenario.previous_orders
        if previous == scenario.PreviousOrders.WITH and not contact.orders_count:
            return False
        if previous == scenario.PreviousOrders.WITHOUT and contact.orders_count:
            return False
        minimum = scenario.min_total
        data = snapshot.get(self.subject_type or "")
        return not (minimum and data and Decimal(data.get("total") or 0) < minimum)

    def audience_q(self, scenario: Scenario) -> Q:
        """:meth:`audience_allows` as a condition on contacts, for set-based scans (which have
        no subject, so ``min_total`` does not apply)."""
        audience = Q()
        if scenario.exclude_staff:
            staff = get_user_model()._default_manager.filter(pk=OuterRef("user_id"), is_staff=True)
            audience &= Q(~Exists(staff))
        previous = scenario.previous_orders
        if previous == scenario.PreviousOrders.WITH:
            audience &= Q(orders_count__gt=0)
        elif previous == scenario.PreviousOrders.WITHOUT:
            audience &= Q(orders_count=0)
        return audience

    @staticmethod
    def first_delay(scenario: Scenario) -> timedelta | None:
        step = scenario.steps.filter(enabled=True).order_by("position").first()
        return step.delay if step else None

    def start(
        self,
        scenario: Scenario,
        contact: Contact,
        *,
        subject_id: str,
        snapshot: dict[str, Any],
        at: datetime,
        exclusive_key: str = "",
        once_key: str | None = None,
        anchor_at: datetime | None = None,
        rank: int = 0,
    ) -> Enrollment | None:
        """Create an active enrollment; None when the database says one already exists."""
        delay = self.first_delay(scenario)
        if delay is None or not self.audience_allows(scenario, contact, snapshot):
            return None
        try:
            with transaction.atomic():
                return Enrollment.objects.create(
                    scenario=scenario,
                    contact=contact,
                    subject_id=subject_id,
                    started_at=at,
                    next_run_at=at + delay,
                    snapshot=snapshot,
                    snapshot_at=at,
                    exclusive_key=exclusive_key,
                    once_key=once_key,
                    anchor_at=anchor_at,
                    rank=rank,
                )
        except IntegrityError:
            return None

    @staticmethod
    def active(scenario: Scenario, contact: Contact, subject_id: str) -> Enrollment | None:
        return (
            scenario.enrollments.filter(contact=contact, subject_id=subject_id, state=Enrollment.State.ACTIVE)
            .select_for_update()
            .first()
        )
