"""Scenarios: a shop's configured instances of the scenario kinds, and their chain steps."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..kinds import registry

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.base import ScenarioKind


class ScenarioQuerySet(models.QuerySet):
    def enabled(self) -> ScenarioQuerySet:
        return self.filter(enabled=True)


# The hours a send window may start and end at, in the contact's time zone.
SEND_HOURS = [(None, _("any time")), *[(hour, f"{hour:02d}:00") for hour in range(24)]]


class Scenario(models.Model):
    """A chain of letters a shop has switched on or off.

    The behaviour (which events start and stop it) lives in code, in the scenario *kind*;
    everything a shop owner may change (delays, letters, audience, sender) lives here: the
    settings every kind understands as fields, a kind's own options in ``settings`` (JSON,
    declared by the kind, read with :meth:`option`).
    """

    class PreviousOrders(models.TextChoices):
        ANY = "any", _("Everyone")
        WITHOUT = "without", _("Only customers who have never ordered")
        WITH = "with", _("Only customers who have ordered before")

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    enabled = models.BooleanField(_("enabled"), default=False)
    enabled_at = models.DateTimeField(
        _("enabled at"),
        null=True,
        blank=True,
        help_text=_("Events from before this moment never start the chain."),
    )
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # -- the settings every kind understands (the audience, when and how) --
    previous_orders = models.CharField(
        _("Customers"), max_length=10, choices=PreviousOrders.choices, default=PreviousOrders.ANY
    )
    min_total = models.DecimalField(
        _("Minimum value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Start only when the cart or order is worth at least this much. Empty: any value."),
    )
    exclude_staff = models.BooleanField(
        _("Don't send to staff"), default=True, help_text=_("Skip customers who are staff users of this site.")
    )
    send_from = models.PositiveSmallIntegerField(
        _("Send from"),
        null=True,
        blank=True,
        choices=SEND_HOURS,
        help_text=_("In the customer's time zone; letters due at night wait until the morning."),
    )
    send_until = models.PositiveSmallIntegerField(_("Send until"), null=True, blank=True, choices=SEND_HOURS)
    transactional = models.BooleanField(
        _("Transactional"),
        default=False,
        help_text=_(
            "Also send to customers who unsubscribed from marketing letters; they can still "
            "unsubscribe from this chain alone."
        ),
    )
    track_opens = models.BooleanField(
        _("Count opens"), default=True, help_text=_("A tiny image in each letter tells when it was opened.")
    )
    track_clicks = models.BooleanField(
        _("Count clicks"), default=True, help_text=_("Links go through this site first, so clicks can be counted.")
    )
    from_name = models.CharField(_("sender name"), max_length=120, blank=True)
    from_email = models.EmailField(_("sender address"), blank=True)
    reply_to = models.EmailField(
        _("reply-to address"),
        blank=True,
        help_text=_("Where replies to these letters go. Empty: the shop's reply address from the site settings."),
    )
    test_mode = models.BooleanField(
        _("test mode"), default=False, help_text=_("Send only to the test addresses below.")
    )
    test_addresses = models.TextField(_("test addresses"), blank=True, help_text=_("One per line."))
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set by the engine when this scenario could not run (e.g. its kind is not registered any
    # more); the other scenarios go on, and the admin listing shows the message.
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)

    objects = ScenarioQuerySet.as_manager()

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["priority", "pk"]
        permissions = [("enable_scenario", _("Can switch scenarios on and off"))]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_class(self) -> ScenarioKind:
        return registry.get(self.kind)

    @property
    def kind_is_registered(self) -> bool:
        return self.kind in registry

    def mark_error(self, message: str, *, now=None) -> None:
        """Record why this scenario could not run (shown in the admin); the engine goes on."""
        now = now or timezone.now()
        self.last_error, self.last_error_at = message[:2000], now
        Scenario.objects.filter(pk=self.pk).update(last_error=self.last_error, last_error_at=now)

    def clear_error(self) -> None:
        """The scenario ran cleanly again: drop the mark (one UPDATE, only when there is one)."""
        if self.last_error:
            self.last_error, self.last_error_at = "", None
            Scenario.objects.filter(pk=self.pk).update(last_error="", last_error_at=None)

    def option(self, name: str) -> Any:
        """A kind's own setting (see ``ScenarioKind.options``), falling back to its declared default."""
        declared = next((option for option in self.kind_class.options if option.name == name), None)
        return self.settings.get(name, declared.default if declared else None)

    @property
    def send_window(self) -> tuple[int, int] | None:
        """``(start_hour, end_hour)`` in the contact's time zone, or None: any time."""
        if self.send_from is None or self.send_until is None:
            return None
        return (self.send_from, self.send_until)

    @property
    def is_transactional(self) -> bool:
        """Owner-marked transactional (only kinds that allow it, e.g. cancelled order)."""
        return self.transactional and self.kind_class.allows_transactional

    def test_address_list(self) -> list[str]:
        return [line.strip().lower() for line in self.test_addresses.splitlines() if line.strip()]

    def set_enabled(self, enabled: bool, *, now=None) -> None:
        """Store the switch. Switching on stamps ``enabled_at`` so older events are ignored.

        Only the flag: switching off through :func:`wagtail_triggers.scenario_switch.disable`
        also stops the running chains and queued letters.
        """
        if enabled and not self.enabled:
            self.enabled_at = now or timezone.now()
        self.enabled = enabled
        self.save(update_fields=["enabled", "enabled_at"])


class Step(models.Model):
    """One letter of a chain, sent ``delay`` after the previous one (or after the trigger)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=255)
    template_key = models.CharField(_("letter"), max_length=120)
    delay = models.DurationField(_("delay"), default=timedelta(days=1))
    enabled = models.BooleanField(_("enabled"), default=True)
    coupon_percent = models.PositiveSmallIntegerField(_("coupon, %"), null=True, blank=True)
    coupon_valid_days = models.PositiveSmallIntegerField(_("coupon valid for, days"), default=14)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["scenario", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "position"], name="wt_step_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} #{self.position}: {self.name}"
