"""What the letters did, aggregated in SQL: per scenario, per letter, per day.

Each function is one GROUP BY over an indexed range (deliveries by ``scenario, sent_at`` or
``scenario, position, sent_at``; enrollments by ``scenario, started_at``; conversions by
``scenario, occurred_at``), so reports stay fast with millions of deliveries — see
``bench/report_aggregation.py``. Test letters create no Delivery and never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Conversion, Delivery, Enrollment, Event

SENT = Delivery.Status.SENT
OUTCOMES = ("delivered", "opened", "clicked", "unsubscribed", "bounced", "complained")


@dataclass
class Stats:
    enrolled: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    bounced: int = 0
    complained: int = 0
    converted: int = 0
    # Revenue per currency: amounts in different currencies are never added up.
    revenue: dict[str, Decimal] = field(default_factory=dict)

    def rate(self, name: str) -> float | None:
        """Share of sent letters (0–1), None when nothing was sent."""
        return getattr(self, name) / self.sent if self.sent else None

    def as_dict(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in ("enrolled", "sent", *OUTCOMES, "converted")}
        values["revenue"] = dict(self.revenue)
        values.update({f"{name}_rate": self.rate(name) for name in (*OUTCOMES, "converted")})
        return values


def add_revenue(into: dict[str, Decimal], amounts: dict[str, Decimal]) -> None:
    """Add ``amounts`` to ``into`` currency by currency."""
    for currency, amount in amounts.items():
        into[currency] = into.get(currency, Decimal("0")) + amount


def _money(value: Any) -> Decimal:
    """SQLite sums decimals as floats: bring sums back to cents."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _sent_between(since: datetime, until: datetime):
    return Delivery.objects.filter(status=SENT, sent_at__gte=since, sent_at__lt=until)


def _outcome_counts() -> dict[str, Count]:
    return {name: Count("pk", filter=Q(**{f"{name}_at__isnull": False})) for name in OUTCOMES}


def _collect(keys: tuple[str, ...], since: datetime, until: datetime, **scope: Any) -> dict[Any, Stats]:
    """Stats grouped by ``keys`` (e.g. ("scenario_id",) or ("position",))."""
    stats: dict[Any, Stats] = {}

    def get(row: dict[str, Any]) -> Stats:
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        return stats.setdefault(key, Stats())

    sent = _sent_between(since, until).filter(**scope).values(*keys).annotate(sent=Count("pk"), **_outcome_counts())
    for row in sent.order_by():
        item = get(row)
        for name in ("sent", *OUTCOMES):
            setattr(item, name, row[name])
    conversion_keys = tuple("delivery__position" if k == "position" else k for k in keys)
    conversions = (
        Conversion.objects.filter(occurred_at__gte=since, occurred_at__lt=until, **scope)
        .values(*conversion_keys, "currency")
        .annotate(n=Count("pk"), revenue=Sum("revenue"))
        .order_by()
    )
    for row in conversions:
        item = get({k: row[ck] for k, ck in zip(keys, conversion_keys, strict=True)})
        item.converted += row["n"]
        add_revenue(item.revenue, {row["currency"]: _money(row["revenue"])})
    if keys == ("scenario_id",):
        enrolled = (
            Enrollment.objects.filter(started_at__gte=since, started_at__lt=until, **scope)
            .values("scenario_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in enrolled:
            get(row).enrolled = row["n"]
    return stats


def by_scenario(since: datetime, until: datetime) -> dict[int, Stats]:
    return _collect(("scenario_id",), since, until)


def by_step(scenario_id: int, since: datetime, until: datetime) -> dict[int, Stats]:
    return _collect(("position",), since, until, scenario_id=scenario_id)


def total(stats: dict[Any, Stats]) -> Stats:
    whole = Stats()
    for item in stats.values():
        for name in ("enrolled", "sent", *OUTCOMES, "converted"):
            setattr(whole, name, getattr(whole, name) + getattr(item, name))
        add_revenue(whole.revenue, item.revenue)
    return whole


def shop_currency() -> str:
    """The currency the shop sells in, for showing a zero revenue: that of the latest attributed
    order, else of the latest order or cart event; "" before the shop reported any."""
    latest = Conversion.objects.order_by("-occurred_at").values_list("currency", flat=True).first()
    if latest:
        return latest
    events = Event.objects.filter(kind__in=("order_completed", "cart_updated"), data__currency__isnull=False)
    found = events.order_by("-pk").values_list("data__currency", flat=True).first()
    return found if isinstance(found, str) else ""


@dataclass
class Day:
    day: date
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    converted: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)

    def rate(self, name: str) -> float | None:
        """Share of the day's sent letters (0–1), None when none was sent."""
        return getattr(self, name) / self.sent if self.sent else None


def daily(since: datetime, until: datetime, scenario_id: int | None = None) -> list[Day]:
    """One row per day of the period (days without letters included, for charts)."""
    scope = {"scenario_id": scenario_id} if scenario_id else {}
    days: dict[date, Day] = {}
    sent = (
        _sent_between(since, until)
        .filter(**scope)
        .annotate(day=TruncDate("sent_at"))
        .values("day")
        .annotate(
            sent=Count("pk"),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
        .order_by()
    )
    for row in sent:
        days[row["day"]] = Day(row["day"], row["sent"], row["opened"], row["clicked"])
    conversions = (
        Conversion.objects.filter(occurred_at__gte=since, occurred_at__lt=until, **scope)
        .annotate(day=TruncDate("occurred_at"))
        .values("day", "currency")
        .annotate(n=Count("pk"), revenue=Sum("revenue"))
        .order_by()
    )
    for row in conversions:
        item = days.setdefault(row["day"], Day(row["day"]))
        item.converted += row["n"]
        add_revenue(item.revenue, {row["currency"]: _money(row["revenue"])})
    first = timezone.localtime(since).date()
    last = timezone.localtime(until - timedelta(microseconds=1)).date()
    out, current = [], first
    while current <= last:
        out.append(days.get(current, Day(current)))
        current = date.fromordinal(current.toordinal() + 1)
    return out


def failing(since: datetime) -> dict[str, int]:
    """What needs a look: failed or interrupted letters, events that could not be processed."""
    counts = (
        Delivery.objects.filter(status__in=[Delivery.Status.FAILED, Delivery.Status.UNKNOWN], due_at__gte=since)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result = {row["status"]: row["n"] for row in counts}
    result["event_errors"] = Event.objects.filter(recorded_at__gte=since).exclude(error="").count()
    return result
