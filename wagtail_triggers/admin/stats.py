"""The listing's "last 7 days" counts, as annotations (one query for the whole page)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Delivery, Enrollment

WINDOW = timedelta(days=7)


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("scenario_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_last_week(scenarios: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate ``enrolled_7d``, ``sent_7d`` and ``active_chains`` on a scenario queryset.

    Test letters sent from the admin create no Delivery, so they never count here.
    """
    since = (now or timezone.now()) - WINDOW
    return scenarios.annotate(
        enrolled_7d=_count(Enrollment.objects.filter(scenario=OuterRef("pk"), started_at__gte=since)),
        sent_7d=_count(
            Delivery.objects.filter(scenario=OuterRef("pk"), status=Delivery.Status.SENT, sent_at__gte=since)
        ),
        active_chains=_count(Enrollment.objects.filter(scenario=OuterRef("pk"), state=Enrollment.State.ACTIVE)),
    )
