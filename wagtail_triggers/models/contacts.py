"""Contacts: the people letters go to, and the record of who asked not to get them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ..addresses import PLACEHOLDER_EMAIL, address_digests

# Sent by ``Contact.delete`` with ``email``: forgetting the person is the privacy service's job
# (connected in ``receivers.py``), so the model never imports the service.
forget_requested = Signal()


class Contact(models.Model):
    """A customer as this app knows them.

    The shop's customers may live in another service (a headless shop), so the contact is
    the app's own row keyed by the normalised email; the site's user is linked when there is one.
    """

    email = models.EmailField(_("email"), max_length=254, unique=True)
    customer_id = models.CharField(_("customer id in the shop"), max_length=255, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("site user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    orders_count = models.PositiveIntegerField(_("completed orders"), default=0)
    last_activity_at = models.DateTimeField(
        _("last activity"),
        null=True,
        blank=True,
        help_text=_("The later of the last visit and the last order; wake-up chains count from it."),
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    # The inactivity scans' bookmark, so an idle scan skips settled contacts by index: the scans
    # are done with the absence that began at ``absence_anchor_at`` up to ``absence_rank`` days.
    # A new absence (``last_activity_at`` later than the anchor) makes the stamp stale, which
    # the scans treat as 0 (see ``InactivityKind.scan``): no writer of the activity resets it.
    absence_anchor_at = models.DateTimeField(_("absence settled since"), null=True, blank=True, editable=False)
    absence_rank = models.PositiveIntegerField(_("absence settled up to, days"), default=0, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["last_activity_at"], name="wt_contact_activity"),
            # The inactivity scans: contacts not yet settled at a rank, absent since a cutoff…
            models.Index(
                fields=["absence_rank", "last_activity_at"],
                condition=Q(unsubscribed_at__isnull=True),
                name="wt_contact_absence",
            ),
            # …and those whose stamp belongs to an earlier absence (they came back since).
            models.Index(
                fields=["last_activity_at"],
                condition=Q(unsubscribed_at__isnull=True, absence_anchor_at__lt=F("last_activity_at")),
                name="wt_contact_absence_stale",
            ),
        ]
        permissions = [("forget_contact", _("Can forget a person (erase their data)"))]

    def __str__(self) -> str:
        return self.email

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Deleting a contact forgets them (see :func:`wagtail_triggers.privacy.forget_contact`).

        A plain delete used to drop the unsubscribe with the row, and the next cart mailed the
        person again; forgetting keeps a keyed hash of the address so that cannot happen.
        """
        if self.email == PLACEHOLDER_EMAIL:
            return super().delete(*args, **kwargs)
        forget_requested.send(sender=Contact, email=self.email)
        return 1, {self._meta.label: 1}

    @property
    def consent_state(self) -> str:
        """One word for listings and the CSV export."""
        return str(_("Unsubscribed") if self.unsubscribed_at else _("Subscribed"))

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email.split("@")[0]

    def refresh_activity(self) -> None:
        """Keep ``last_activity_at`` the later of visit and order (saved by the caller).

        Stored rather than computed so the wake-up scans filter on one indexed column.
        """
        stamps = [s for s in (self.last_seen_at, self.last_order_at) if s]
        self.last_activity_at = max(stamps) if stamps else None

    def is_suppressed(
        self, scenario_id: int | None = None, *, transactional: bool = False, now=None, pauses: bool = True
    ) -> bool:
        """May no letter of this scenario go to the contact now?

        Marketing letters stop on any unsubscribe, pause, bounce or complaint; a letter the
        owner marked transactional stops only on its own scenario's unsubscribe, a bounce or
        a complaint.
        """
        if self.unsubscribed_at and not transactional:
            return True
        if self.is_erased:
            return True
        now = now or timezone.now()
        blocking = Suppression.blocking(scenario_id, transactional=transactional, now=now, pauses=pauses)
        return self.suppressions.filter(blocking).exists()

    @cached_property
    def is_erased(self) -> bool:
        """Was this address forgotten (or is this the anonymous placeholder)?

        Checked before every letter, so a contact re-created from an import or a late event
        for a forgotten person is never mailed, transactional letters included.
        """
        if self.email == PLACEHOLDER_EMAIL:
            return True
        return ErasedAddress.objects.filter(digest__in=address_digests(self.email)).exists()

    def paused_until(self, now) -> datetime | None:
        """The end of the current pause, if the contact paused marketing letters."""
        pause = (
            self.suppressions.filter(reason=Suppression.Reason.PAUSED, lifted_at__isnull=True, until__gt=now)
            .order_by("-until")
            .first()
        )
        return pause.until if pause else None


class Suppression(models.Model):
    """Permanent history of why letters stopped: never deleted, only lifted."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        STAFF = "staff", _("Set by staff")
        PAUSED = "paused", _("Paused")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="suppressions")
    scenario = models.ForeignKey(
        "wagtail_triggers.Scenario",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: all trigger letters."),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        indexes = [models.Index(fields=["contact", "lifted_at"], name="wt_suppression_active")]

    def __str__(self) -> str:
        return f"{self.contact} – {self.get_reason_display()}"

    @classmethod
    def blocking(cls, scenario_id: int | None, *, transactional: bool, now: datetime, pauses: bool = True) -> Q:
        """The suppressions that stop a letter of this scenario now (see ``Contact.is_suppressed``;
        the send path asks it for a whole batch of contacts at once)."""
        hard = Q(reason__in=[cls.Reason.BOUNCED, cls.Reason.COMPLAINED, cls.Reason.STAFF])
        scope = (
            hard | Q(scenario_id=scenario_id)
            if transactional
            else Q(scenario__isnull=True) | Q(scenario_id=scenario_id)
        )
        current = Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gt=now))
        if not pauses:
            current &= ~Q(reason=cls.Reason.PAUSED)
        return scope & current


class ErasedAddress(models.Model):
    """A forgotten person's address, kept only as a keyed hash so they are never mailed again.

    ``digest`` is HMAC-SHA256 of the normalised address under a key derived from
    ``SECRET_KEY`` (see :mod:`wagtail_triggers.privacy`): it cannot be read back into the
    address, only matched against an address that comes in again.
    """

    digest = models.CharField(_("address hash"), max_length=64, unique=True)
    erased_at = models.DateTimeField(_("erased"), default=timezone.now)

    class Meta:
        verbose_name = _("erased address")
        verbose_name_plural = _("erased addresses")

    def __str__(self) -> str:
        return self.digest[:12]
