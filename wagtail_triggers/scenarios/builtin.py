"""The seven built-in scenario kinds. Shipped disabled; ``triggers_setup`` creates their rows."""

from __future__ import annotations

import operator
from datetime import datetime, timedelta
from functools import reduce

from django.db import transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..choices import EventOutcome, StopReason
from ..events import ACTIVITY_EVENTS, EventKind
from ..models import Contact, Enrollment, Event, Scenario, Suppression
from .base import KindOption, ScenarioKind, StepSpec, chain_numbers
from .registry import registry

DAY = timedelta(days=1)
# How many days the shop really keeps a cart's or cancelled order's products for the customer;
# None (the default) makes the letters promise nothing of the kind.
HOLD_DAYS = KindOption(
    "hold_days",
    int,
    None,
    _("Products held for, days"),
    _(
        "Only if the shop really sets the products aside for the customer (stock reserved). "
        "Empty: the letters say the cart is saved but the products may sell out."
    ),
    section="timing",
    min_value=1,
    max_value=365,
)
# All-letters suppressions without an end (bounces, complaints, staff, unsubscribes).
PERMANENTLY_OUT = {"scenario__isnull": True, "lifted_at__isnull": True, "until__isnull": True}


def coupon_step(key: str, pattern: str | Promise, delay: timedelta, percent: int, valid_days: int) -> StepSpec:
    """A step whose name states its coupon ("A hidden {n} % discount"): shipped with ``percent``,
    shown in the admin with the step's current one."""
    return StepSpec(
        key,
        format_lazy(pattern, n=percent),
        delay,
        coupon_percent=percent,
        coupon_valid_days=valid_days,
        name_pattern=pattern,
    )


def numbered_description(kind: type[ScenarioKind]) -> type[ScenarioKind]:
    """Class decorator: ``description`` is ``description_pattern`` with the default chain's
    numbers (the admin shows a scenario's own, see ``wagtail_triggers.labels``)."""
    steps = ((spec.key, spec.delay, spec.coupon_percent) for spec in kind.default_steps)
    kind.description = format_lazy(kind.description_pattern, **kind().description_numbers(chain_numbers(steps)))
    return kind


@registry.register
@numbered_description
class ForgottenCart(ScenarioKind):
    kind = "forgotten_cart"
    name = _("Forgotten cart")
    description_pattern = _(
        # xgettext:no-python-format
        "Reminds a customer (registered or a guest who gave an email) of the products left in "
        "their cart: first after a short idle time, then that the cart is kept for them, then "
        "with a personal {discount_percent} % coupon."
    )
    goal_description = _("The cart becomes an order, or the customer empties it.")
    subject_type = "cart"
    trigger_events = (EventKind.CART_UPDATED,)
    priority = 10
    options = (HOLD_DAYS,)
    default_steps = (
        StepSpec("forgotten_cart/reminder", _("Reminder with the cart's products"), timedelta(hours=1)),
        StepSpec("forgotten_cart/reserved", _("Your cart is saved"), DAY),
        # xgettext:no-python-format
        coupon_step("forgotten_cart/discount", _("A hidden {n} % discount"), DAY, 5, 7),
    )

    def on_event(self, scenario: Scenario, contact: Contact, event: Event) -> EventOutcome | None:
        cart = event.data
        current = self.active(scenario, contact, event.subject_id)
        if not cart.get("lines"):
            if current:
                current.stop(StopReason.CART_EMPTIED, now=event.occurred_at)
                return EventOutcome.STOPPED
            return None
        if current is None:
            started = self.start(
                scenario,
                contact,
                subject_id=event.subject_id,
                snapshot={"cart": cart},
                at=event.occurred_at,
            )
            return EventOutcome.ENROLLED if started else None
        if current.snapshot_at and event.occurred_at < current.snapshot_at:
            return None  # an older update processed late: keep the newer snapshot
        step = scenario.steps.filter(enabled=True, position__gte=current.next_position).order_by("position").first()
        current.snapshot = {"cart": cart}
        current.snapshot_at = event.occurred_at
        if step:  # a new update restarts the timer of the letter that is due next
            current.next_run_at = event.occurred_at + step.delay
        current.save(update_fields=["snapshot", "snapshot_at", "next_run_at"])
        return EventOutcome.REFRESHED

    def goal_q(self, enrollment: Enrollment) -> Q:
        return Q(kind=EventKind.ORDER_COMPLETED, cart_id=enrollment.subject_id)

    def skip_reason(self, enrollment: Enrollment) -> str | None:
        return None if enrollment.snapshot.get("cart", {}).get("lines") else StopReason.CART_EMPTIED


@registry.register
@numbered_description
class CancelledOrder(ScenarioKind):
    kind = "cancelled_order"
    name = _("Cancelled order")
    description_pattern = _(
        # xgettext:no-python-format
        "Asks a customer who cancelled an order whether it was a mistake, reminds them of the "
        "products with a link that puts them back in the cart, then offers a {discount_percent} % coupon."
    )
    goal_description = _("The customer completes a new order.")
    subject_type = "order"
    trigger_events = (EventKind.ORDER_CANCELLED,)
    allows_transactional = True
    priority = 20
    options = (HOLD_DAYS,)
    default_steps = (
        StepSpec("cancelled_order/really_cancel", _("Did you really cancel?"), timedelta(hours=1)),
        StepSpec("cancelled_order/reserved", _("Your products are still waiting"), DAY),
        # xgettext:no-python-format
        coupon_step("cancelled_order/discount", _("A {n} % coupon to come back"), DAY, 5, 7),
    )

    def on_event(self, scenario: Scenario, contact: Contact, event: Event) -> EventOutcome | None:
        started = self.start(
            scenario,
            contact,
            subject_id=event.subject_id,
            snapshot={"order": event.data},
            at=event.occurred_at,
        )
        return EventOutcome.ENROLLED if started else None

    def goal_q(self, enrollment: Enrollment) -> Q:
        return Q(kind=EventKind.ORDER_COMPLETED)


@registry.register
@numbered_description
class OrderFollowUp(ScenarioKind):
    kind = "order_followup"
    name = _("Follow-up after an order")
    description_pattern = _(
        # xgettext:no-python-format
        "After a completed order: thanks an hour later, an offer of help on day {support_day}, a review "
        "request on day {review_day}, products picked for the customer on day {offers_day} and a "
        "{next_order_percent} % coupon for the next order on day {next_order_day}. By default only after "
        "a customer's first order; a new order does not restart a running follow-up."
    )
    goal_description = _("The order is cancelled.")
    subject_type = "order"
    trigger_events = (EventKind.ORDER_COMPLETED,)
    priority = 30
    options = (
        KindOption(
            "first_order_only",
            bool,
            True,
            _("Only after a customer's first order"),
            _("Later orders do not start the follow-up again."),
        ),
    )
    # Days after the order, as practice has it: thanks once the shop's own confirmation is in
    # (+1 h), help while the parcel travels or has just come (+2 d), the review when most orders
    # have arrived and been tried (+10 d), ideas for more once it has settled in (+14 d), and
    # the next-order coupon last (+21 d). Each delay counts from the previous letter.
    default_steps = (
        StepSpec("order_followup/thanks", _("Thank you for your order"), timedelta(hours=1)),
        StepSpec("order_followup/support", _("We are here to help"), 2 * DAY),
        StepSpec("order_followup/review", _("How do you like it? (review request)"), 8 * DAY),
        StepSpec("order_followup/offers", _("Recommended products"), 4 * DAY),
        # xgettext:no-python-format
        coupon_step("order_followup/next_order", _("{n} % off your next order"), 7 * DAY, 5, 30),
    )

    def on_event(self, scenario: Scenario, contact: Contact, event: Event) -> EventOutcome | None:
        if scenario.option("first_order_only") and contact.orders_count > 1:
            return None
        started = self.start(
            scenario,
            contact,
            subject_id=event.subject_id,
            snapshot={"order": event.data},
            at=event.occurred_at,
            exclusive_key=f"followup:{scenario.pk}",
        )
        return EventOutcome.ENROLLED if started else None

    def goal_q(self, enrollment: Enrollment) -> Q:
        return Q(kind=EventKind.ORDER_CANCELLED, subject_id=enrollment.subject_id)


class InactivityKind(ScenarioKind):
    """A chain for a customer with no visit and no order for ``days`` days.

    All inactivity kinds share one exclusive group: a contact is in at most one of them at a
    time, and for one absence (one value of ``last_activity_at``) a kind fires once and never
    after a longer-absence kind has fired. The longest matching absence wins: a scan leaves
    alone every contact a longer enabled inactivity scenario would take.
    """

    days: int = 0
    group = "inactivity"

    @property
    def scan_rank(self) -> int:
        return self.days

    def goal_q(self, enrollment: Enrollment) -> Q:
        # The same events the engine counts as activity (a cart update is a visit).
        return Q(kind__in=sorted(ACTIVITY_EVENTS))

    def scan(self, scenario: Scenario, now: datetime) -> int:
        """Enrol every due contact in one ``INSERT … SELECT``, then stamp the contacts this scan
        has settled, so the next scan finds only contacts whose absence crossed a threshold.

        A constant number of queries whatever the population (see docs/performance.md). The
        statements read contacts only, through their indexes, never an anti-join over the
        enrollments (which the planner, without statistics, once turned quadratic): a contact
        already in a chain of the group is refused by the ``wt_one_active_exclusive``
        constraint (the insert skips it), and what has fired in the current absence is the stamp.
        """
        delay = self.first_delay(scenario)
        if delay is None:
            return 0
        with transaction.atomic():
            # Workers scanning the same scenario take turns; scans of different ones never
            # compete for a contact (see ``_absent``).
            list(Scenario.objects.select_for_update().filter(pk=scenario.pk).values_list("pk"))
            others = self._others(scenario)
            self._forget_stale(now)
            absence = Cast("last_activity_at", CharField())
            enrolled = Enrollment.objects.create_from(
                self._absent(now, others).filter(self.audience_q(scenario), ~Exists(self._suppressed())),
                scenario=Value(scenario.pk),
                contact=F("pk"),
                subject_id=Concat(Value("absence:"), absence),
                started_at=now,
                next_run_at=now + delay,
                snapshot={},
                snapshot_at=now,
                exclusive_key=self.group,
                once_key=Concat(Value(f"{scenario.pk}:"), Cast("pk", CharField()), Value(":"), absence),
                anchor_at=F("last_activity_at"),
                rank=self.days,
            )
            self._settle(scenario, now, others)
        return enrolled

    # -- the set conditions of a scan ------------------------------------------------------
    def _others(self, scenario: Scenario) -> list[tuple[InactivityKind, Scenario]]:
        """The other enabled scenarios of this group that have a letter to send."""
        kinds = {kind.kind: kind for kind in registry if isinstance(kind, InactivityKind) and kind.group == self.group}
        found = (
            Scenario.objects.enabled().filter(kind__in=kinds, steps__enabled=True).exclude(pk=scenario.pk).distinct()
        )
        return [(kinds[other.kind], other) for other in found]

    def _ranks_below(self) -> list[int]:
        """Every stamp a contact can carry that is lower than this kind's days."""
        days = {kind.days for kind in registry if isinstance(kind, InactivityKind) and kind.group == self.group}
        return sorted({0} | {d for d in days if d < self.days})

    @staticmethod
    def _suppressed():
        return Suppression.objects.filter(contact=OuterRef("pk"), **PERMANENTLY_OUT)

    def _absent(self, now: datetime, others) -> QuerySet[Contact]:
        """Subscribed contacts absent for ``days`` whom no longer enabled scenario wants, and
        whom the scans have not stamped this far for their current absence.

        Found through the ``wt_contact_absence`` index, one range per possible stamp (no OR,
        so PostgreSQL reads it with a plain index scan, which also marks the entries the
        stamping left dead, and the next scan skips them before any VACUUM). A longer
        scenario's claim is a condition, not the order of the scans: its scan may not have run
        yet, or may have stopped at an error.
        """
        contacts = Contact.objects.filter(
            absence_rank__in=self._ranks_below(),
            unsubscribed_at__isnull=True,
            last_activity_at__lte=now - timedelta(days=self.days),
        )
        longer = [
            Q(last_activity_at__lte=now - timedelta(days=kind.days)) & kind.audience_q(other)
            for kind, other in others
            if kind.days > self.days
        ]
        return contacts.exclude(reduce(operator.or_, longer)) if longer else contacts

    def _forget_stale(self, now: datetime) -> int:
        """A stamp of an earlier absence (the contact has come back since) counts as none: clear
        it for the contacts this scan looks at, through ``wt_contact_absence_stale``. No writer
        of ``last_activity_at`` has to know about the stamp."""
        return Contact.objects.filter(
            unsubscribed_at__isnull=True,
            absence_anchor_at__lt=F("last_activity_at"),
            last_activity_at__lte=now - timedelta(days=self.days),
        ).update(absence_anchor_at=None, absence_rank=0)

    def _settle(self, scenario: Scenario, now: datetime, others) -> int:
        """Stamp the contacts this scan is done with for their current absence: those it has
        just enrolled, and those no scenario of this rank or shorter would take (audience,
        suppression). The stamp is the longest enabled threshold their absence has reached, so
        only crossing the next one brings them back to a scan. A contact left waiting because
        it is still in another chain of the group is not stamped: a later scan takes it.
        """
        audiences = [
            self.audience_q(scenario),
            *(kind.audience_q(other) for kind, other in others if kind.days < self.days),
        ]
        wanted = Q(~Exists(self._suppressed()))
        if all(audiences):  # an empty Q is everyone, which an OR of Q objects would drop
            wanted &= reduce(operator.or_, audiences)
        thresholds = sorted({self.days, *(kind.days for kind, _other in others)}, reverse=True)
        stamp = {
            "absence_anchor_at": F("last_activity_at"),
            "absence_rank": Case(
                *(When(last_activity_at__lte=now - timedelta(days=days), then=Value(days)) for days in thresholds),
                default=Value(self.days),
            ),
        }
        left_out = self._absent(now, others).exclude(wanted).update(**stamp)
        # The contacts just enrolled, read through ``wt_enrollment_started``.
        started = scenario.enrollments.filter(started_at=now, state=Enrollment.State.ACTIVE, rank=self.days)
        return left_out + Contact.objects.filter(pk__in=started.values("contact_id")).update(**stamp)


@registry.register
@numbered_description
class Hooliganism(InactivityKind):
    kind = "hooliganism"
    days = 111
    name = _("Hooliganism (the mail robot)")
    description_pattern = _(
        # xgettext:no-python-format
        "A playful chain from the shop's mail robot for a customer not seen for 111 days: "
        "a cry for help, a warning, a coupon for {coupon_percent} % off, and a final “what have you done…”."
    )
    goal_description = _("The customer visits the shop or places an order.")
    priority = 50
    # Help at once, the warning 3 days later, the coupon 4 days after that (valid 11 days, so it
    # still works when the farewell arrives a week later: that letter replaces no code).
    default_steps = (
        StepSpec("hooliganism/help", _("Help!"), timedelta(0)),
        StepSpec("hooliganism/warning", _("A warning"), 3 * DAY),
        # xgettext:no-python-format
        coupon_step("hooliganism/coupon", _("Coupon for {n} % off"), 4 * DAY, 11, 11),
        StepSpec("hooliganism/what_have_you_done", _("What have you done…"), 7 * DAY),
    )


# Wake-up spacing: the hello at once, the first coupon 4 days later, the last one 10 days after
# that. The first coupon is valid for a week, so it has ended (through its last printed day in
# any time zone) days before the last-chance letter brings a different, bigger code.
WAKEUP_COUPON_DELAY = 4 * DAY
WAKEUP_LAST_DELAY = 10 * DAY
WAKEUP_COUPON_VALID_DAYS = 7


def _wakeup(days: int, small: int, big: int, priority: int, *, asks_why: bool = False) -> type[InactivityKind]:
    """A wake-up kind; ``asks_why``: its hello asks why the customer left (one-click answers)."""
    prefix = f"wakeup_{days}"
    if asks_why:
        description = _(
            # xgettext:no-python-format
            "For a customer with no visit and no order for {days} days: a hello that asks why they "
            "stopped coming (no coupon), then coupons for {small} % off on day {coupon_day} and {big} % off "
            "on day {last_day}."
        )
    else:
        description = _(
            # xgettext:no-python-format
            "For a customer with no visit and no order for {days} days: a friendly hello with no "
            "coupon, then coupons for {small} % off on day {coupon_day} and {big} % off on day {last_day}."
        )

    def description_numbers(self, numbers: dict[str, int | None]) -> dict[str, int | None]:
        return {
            "days": days,
            "small": numbers.get("coupon_percent"),
            "big": numbers.get("last_chance_percent"),
            "coupon_day": numbers.get("coupon_day"),
            "last_day": numbers.get("last_chance_day"),
        }

    kind = type(
        f"WakeUp{days}",
        (InactivityKind,),
        {
            "__module__": __name__,
            "__doc__": f"Wake-up chain after {days} days without a visit or an order.",
            "kind": prefix,
            "days": days,
            "name": format_lazy(_("Wake-up after {days} days"), days=days),
            "description_pattern": description,
            "description_numbers": description_numbers,
            "goal_description": _("The customer visits the shop or places an order."),
            "priority": priority,
            "default_steps": (
                StepSpec(f"{prefix}/hello", _("We miss you (no coupon)"), timedelta(0)),
                coupon_step(
                    f"{prefix}/coupon",
                    # xgettext:no-python-format
                    _("Coupon for {n} % off"),
                    WAKEUP_COUPON_DELAY,
                    small,
                    WAKEUP_COUPON_VALID_DAYS,
                ),
                coupon_step(
                    f"{prefix}/last_chance",
                    # xgettext:no-python-format
                    _("Last call: coupon for {n} % off"),
                    WAKEUP_LAST_DELAY,
                    big,
                    WAKEUP_COUPON_VALID_DAYS,
                ),
            ),
        },
    )
    return numbered_description(kind)


# Discounts grow with the absence across all four inactivity chains (hooliganism, 111 days: 11 %).
WakeUp90 = registry.register(_wakeup(90, 5, 8, 60, asks_why=True))
WakeUp180 = registry.register(_wakeup(180, 12, 15, 61))
WakeUp360 = registry.register(_wakeup(360, 20, 25, 62))
