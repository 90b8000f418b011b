"""Enrollments: one contact going through one scenario's chain for one subject."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connections, models, transaction
from django.db.models import Q, Value
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .deliveries import Delivery


class EnrollmentQuerySet(models.QuerySet):
    """The one way chains end early: switching a scenario off, consent, forgetting a person,
    staff, a kind's own stop, a goal, a letter skipped at send time."""

    def stop(self, reason: str, now: datetime | None = None) -> int:
        """Stop the active chains among these for ``reason`` and skip every letter still queued
        for any of them (also the last letter of a chain already completed).

        Returns how many active enrollments were stopped.
        """
        with transaction.atomic():
            self._skip_queued(reason)
            return self.filter(state=Enrollment.State.ACTIVE)._set_final(Enrollment.State.STOPPED, reason, now)

    def end(self, state: str, reason: str = "", now: datetime | None = None) -> int:
        """Give these enrollments their final ``state``. A chain that ends early (goal, stopped)
        skips its queued letters; a completed one keeps its last letter queued."""
        with transaction.atomic():
            if state != Enrollment.State.COMPLETED:
                self._skip_queued(reason or state)
            return self._set_final(state, reason, now)

    def create_from(self, rows: models.QuerySet, **values: Any) -> int:
        """Create one enrollment per row of ``rows`` in one ``INSERT … SELECT``; returns how many.

        ``values`` maps field names to expressions over the rows (``F("pk")``) or plain values;
        the other fields get their defaults. Rows that would break a unique constraint (a chain
        a concurrent worker has just started) are skipped, as ``bulk_create(ignore_conflicts=True)``
        does, through the backend's own ``INSERT OR IGNORE`` / ``ON CONFLICT DO NOTHING``.
        Nothing goes through Python per row, so a scan of a million contacts needs no memory.
        """
        columns: dict[str, tuple[models.Field, Any]] = {}
        for field in self.model._meta.concrete_fields:
            if field.primary_key:
                continue
            value = values.pop(field.name, values.pop(field.attname, field.get_default()))
            if not hasattr(value, "resolve_expression"):
                value = Value(value, output_field=field)
            columns[f"wt_col_{field.column}"] = (field, value)
        if values:
            raise TypeError(f"Unknown enrollment fields: {', '.join(sorted(values))}")
        select = rows.order_by().annotate(**{name: value for name, (_f, value) in columns.items()})
        select = select.values_list(*columns)
        # The SELECT lists the annotations in the query's order, which need not be ours.
        fields = [columns[name][0] for name in select.query.annotation_select]
        sql, params = select.query.get_compiler(using=self.db).as_sql()
        connection = connections[self.db]
        quote = connection.ops.quote_name
        statement = " ".join(
            (
                connection.ops.insert_statement(on_conflict=OnConflict.IGNORE),
                quote(self.model._meta.db_table),
                f"({', '.join(quote(field.column) for field in fields)})",
                sql,
                connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or "",
            )
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount

    def _skip_queued(self, reason: str) -> int:
        return Delivery.objects.filter(enrollment__in=self, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SKIPPED, reason=reason[:60]
        )

    def _set_final(self, state: str, reason: str, now: datetime | None) -> int:
        return self.update(state=state, stop_reason=reason[:60], finished_at=now or timezone.now(), next_run_at=None)


class Enrollment(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        GOAL = "goal", _("Goal reached")
        STOPPED = "stopped", _("Stopped")

    scenario = models.ForeignKey("wagtail_triggers.Scenario", on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey("wagtail_triggers.Contact", on_delete=models.CASCADE, related_name="enrollments")
    subject_id = models.CharField(_("subject"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE)
    stop_reason = models.CharField(_("stop reason"), max_length=60, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    next_position = models.PositiveSmallIntegerField(_("next step"), default=1)
    next_run_at = models.DateTimeField(_("next letter due"), null=True, blank=True)
    snapshot = models.JSONField(_("context snapshot"), default=dict, blank=True)
    snapshot_at = models.DateTimeField(_("snapshot time"), null=True, blank=True)
    exclusive_key = models.CharField(
        max_length=60,
        blank=True,
        help_text="A contact is in at most one active enrollment per non-empty key.",
    )
    anchor_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The moment the occasion began (e.g. the last activity before an absence).",
    )
    rank = models.PositiveIntegerField(
        default=0, help_text="Order within the exclusive group (e.g. days of absence), larger wins."
    )
    once_key = models.CharField(
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text="Set for chains that may run only once per occasion (e.g. one absence).",
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "contact", "subject_id"],
                condition=Q(state="active"),
                name="wt_one_active_enrollment",
            ),
            models.UniqueConstraint(
                fields=["contact", "exclusive_key"],
                condition=Q(state="active") & ~Q(exclusive_key=""),
                name="wt_one_active_exclusive",
            ),
        ]
        indexes = [
            # The due chains (engine.claim_due): only active ones, in due order.
            models.Index(fields=["next_run_at", "id"], condition=Q(state="active"), name="wt_enrollment_due_active"),
            models.Index(fields=["contact", "state"], name="wt_enrollment_contact"),
            models.Index(fields=["scenario", "started_at"], name="wt_enrollment_started"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} → {self.contact} ({self.subject_id})"

    def stop(self, reason: str, now: datetime | None = None) -> None:
        """Stop this one chain and skip its queued letters (:meth:`EnrollmentQuerySet.stop`)."""
        self.finish(self.State.STOPPED, reason, now=now)

    def finish(self, state: str, reason: str = "", *, now: datetime | None = None) -> None:
        """End this one chain as ``state`` (:meth:`EnrollmentQuerySet.end`)."""
        now = now or timezone.now()
        Enrollment.objects.filter(pk=self.pk).end(state, reason, now)
        self.state, self.stop_reason, self.finished_at, self.next_run_at = state, reason[:60], now, None
