"""Reports in the Wagtail admin: per scenario and per letter, with trends, a funnel, export.

Built on Wagtail's ``ReportView`` (so CSV/XLSX export comes with it) and the SQL
aggregations in :mod:`wagtail_triggers.analytics`; the dashboard panel shows the last seven
days on the admin home page.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import DateRangeField
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy

from .. import analytics, coupons
from ..labels import scenario_name
from ..models import Scenario, Step
from ..templatetags.triggers_letters import money

DEFAULT_DAYS = 30
METRICS = [
    ("enrolled", _("Enrolled")),
    ("sent", _("Sent")),
    ("delivered", _("Delivered")),
    ("opened", _("Opened")),
    ("clicked", _("Clicked")),
    ("converted", _("Converted")),
    ("revenue", _("Revenue")),
    ("unsubscribed", _("Unsubscribed")),
    ("bounced", _("Bounced")),
    ("complained", _("Complained")),
]
# Coupons of the default provider issued in the period, and how many of them orders redeemed.
COUPON_METRICS = [
    ("coupons", _("Coupons issued")),
    ("redeemed", _("Coupons redeemed")),
]
# Exported as percentages with one decimal (66.7), like the screen shows them (66.7%).
RATES = [
    ("opened_rate", _("Open rate, %")),
    ("clicked_rate", _("Click rate, %")),
    ("converted_rate", _("Conversion rate, %")),
    ("unsubscribed_rate", _("Unsubscribe rate, %")),
    ("redeemed_rate", _("Redemption rate, %")),
]
DELIVERED_HELP = _(
    "Delivered counts the letters your email provider confirmed through its webhooks; "
    "without the provider's webhooks connected it stays at 0."
)
DAILY = [
    ("day", _("Day")),
    ("sent", _("Sent")),
    ("opened", _("Opened")),
    ("clicked", _("Clicked")),
    ("converted", _("Converted")),
    ("opened_rate", _("Open rate, %")),
    ("clicked_rate", _("Click rate, %")),
    ("converted_rate", _("Conversion rate, %")),
]


def percent(rate: float | None) -> float | None:
    """0.6667 → 66.7 (a percentage with one decimal), for exports."""
    return None if rate is None else round(rate * 100, 1)


def revenue_text(amounts: dict[str, Decimal], fallback_currency: str = "") -> str:
    """One figure per currency, largest first ("€120.00 · ₽5,000.00"); nothing earned shows
    zero in the shop's currency."""
    if not any(amounts.values()):
        return money(0, fallback_currency)
    ordered = sorted(((amount, code) for code, amount in amounts.items() if amount), reverse=True)
    return " · ".join(money(amount, code) for amount, code in ordered)


def zero_currency(totals: analytics.Stats) -> str:
    """The currency a row without revenue shows its zero in: the period's only one, else the
    shop's (one query, only when the period does not tell)."""
    return next(iter(totals.revenue)) if len(totals.revenue) == 1 else analytics.shop_currency()


class OrderedDateRangeField(DateRangeField):
    """A period whose start is after its end is refused, not swapped or emptied silently."""

    def clean(self, value):
        period = super().clean(value)
        if period and period.start and period.stop and period.start > period.stop:
            raise ValidationError(
                _("The period starts after it ends: choose a start date on or before the end date."),
                code="reversed",
            )
        return period


class PeriodFilter(django_filters.DateFromToRangeFilter):
    field_class = OrderedDateRangeField


class PeriodFilterSet(WagtailFilterSet):
    """Only chooses the period; it never hides rows."""

    period = PeriodFilter(label=_("Period"), method="keep_all", widget=DateRangePickerWidget)

    class Meta:
        model = Scenario
        fields: list[str] = []

    def keep_all(self, queryset, name, value):
        return queryset


RATED = {"opened", "clicked", "converted", "unsubscribed", "redeemed"}


class StatColumn(Column):
    """A metric from the row's ``stats``; counts with a rate show both ("210 · 51.7%")."""

    def get_value(self, instance: Any) -> Any:
        value = instance.stats.get(self.name)
        if self.name == "revenue":
            return revenue_text(value, instance.stats.get("fallback_currency", ""))
        rate = instance.stats.get(f"{self.name}_rate") if self.name in RATED else None
        return f"{value}\u00a0·\u00a0{rate:.1%}" if rate is not None else value  # kept on one line


def _day(value: date | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


class PeriodMixin:
    """Reads the period from the filter form (default: the last 30 days, today included).

    A reversed period is refused: the form shows the error, and the report says it shows the
    default period instead."""

    request: Any

    @cached_property
    def period_form(self):
        return PeriodFilterSet(self.request.GET).form

    @cached_property
    def period_error(self) -> str:
        form = self.period_form
        return " ".join(form.errors.get("period", [])) if form.is_bound and not form.is_valid() else ""

    @cached_property
    def period_dates(self) -> tuple[date, date]:
        today = timezone.localdate()
        start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
        form = self.period_form
        if form.is_valid() and form.cleaned_data.get("period"):
            chosen = form.cleaned_data["period"]  # datetimes: the first and the last moment
            start = _day(chosen.start) or start
            end = _day(chosen.stop) or end
        return start, end

    @cached_property
    def period(self) -> tuple[datetime, datetime]:
        start, end = self.period_dates
        zone = timezone.get_current_timezone()
        since = timezone.make_aware(datetime.combine(start, time.min), zone)
        until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone)
        return since, until


class BaseTriggerReport(PeriodMixin, ReportView):
    permission_policy = ModelPermissionPolicy(Scenario)
    any_permission_required = ["view", "change"]
    filterset_class = PeriodFilterSet
    results_template_name = "wagtail_triggers/reports/report_results.html"
    paginate_by = None
    table_classname = "listing w-triggers-report-table"
    # Without a currency on the row: the one the shop sells in, for "€0.00".
    fallback_currency = ""
    # Set by decorate_paginated_queryset: the period's figures for the whole table.
    totals: analytics.Stats | None = None
    chart_scenario_id: int | None = None
    row_fields: list[str] = []
    metrics = METRICS

    def setup(self, request, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.daily_export = self.is_export and request.GET.get("rows") == "daily"

    # -- export -------------------------------------------------------------------------------

    @property
    def currencies(self) -> list[str]:
        """The currencies with revenue in the period (the shop's one when there is none)."""
        found = sorted(self.totals.revenue) if self.totals else []
        return found or ([self.fallback_currency] if self.fallback_currency else [""])

    @property
    def list_export(self) -> list[str]:
        revenue = [f"revenue:{code}" for code in self.currencies]
        if self.daily_export:
            names = [name for name, _label in DAILY]
            return [*names[:5], *revenue, *names[5:]]
        names = [*self.row_fields, *[name for name, _label in self.metrics + COUPON_METRICS]]
        at = names.index("revenue")
        return [*names[:at], *revenue, *names[at + 1 :], *[name for name, _label in RATES]]

    @property
    def export_headings(self) -> dict[str, Any]:
        headings: dict[str, Any] = dict(METRICS + COUPON_METRICS + RATES + (DAILY if self.daily_export else []))
        headings["delivered"] = gettext("Delivered (needs the email provider's webhooks)")
        for code in self.currencies:
            label = gettext("Revenue, %(currency)s") % {"currency": code} if code else gettext("Revenue")
            headings[f"revenue:{code}"] = label
        return headings

    def export_subject(self) -> str:
        return "all-scenarios"

    def get_filename(self) -> str:
        """``trigger-emails_forgotten-cart_2026-11-02_2026-12-01[_daily]``: what and when."""
        start, end = self.period_dates
        parts = ["trigger-emails", self.export_subject(), start.isoformat(), end.isoformat()]
        if self.daily_export:
            parts.append("daily")
        return "_".join(parts)

    def revenue_cells(self, revenue: dict[str, Decimal]) -> dict[str, Decimal]:
        return {f"revenue:{code}": revenue.get(code, Decimal("0.00")) for code in self.currencies}

    def stats_row_dict(self, stats: dict[str, Any]) -> dict[str, Any]:
        row = {name: stats.get(name) for name, _label in self.metrics + COUPON_METRICS if name != "revenue"}
        row.update(self.revenue_cells(stats.get("revenue") or {}))
        row.update({name: percent(stats.get(name)) for name, _label in RATES})
        return row

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if self.daily_export:
            since, until = self.period
            queryset = analytics.daily(since, until, self.chart_scenario_id)
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def to_row_dict(self, item: Any) -> dict[str, Any]:
        if isinstance(item, analytics.Day):
            row = {name: getattr(item, name) for name in ("day", "sent", "opened", "clicked", "converted")}
            row.update(self.revenue_cells(item.revenue))
            row.update({f"{name}_rate": percent(item.rate(name)) for name in ("opened", "clicked", "converted")})
            return row
        return self.row_dict(item)

    def row_dict(self, item: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get_export_url(self, format: str, rows: str = "") -> str:
        params = self.request.GET.copy()
        params["export"] = format
        if rows:
            params["rows"] = rows
        return self.request.path + "?" + params.urlencode()

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons += [
            Button(
                _("Download daily figures (XLSX)"),
                url=self.get_export_url("xlsx", "daily"),
                icon_name="download",
                priority=95,
            ),
            Button(
                _("Download daily figures (CSV)"),
                url=self.get_export_url("csv", "daily"),
                icon_name="download",
                priority=96,
            ),
        ]
        return buttons

    # -- screen -------------------------------------------------------------------------------

    def decorate_rows(
        self, object_list, stats: dict[Any, analytics.Stats], figures: dict[Any, dict[str, Any]], key: str
    ) -> None:
        self.totals = analytics.total(stats)
        self.fallback_currency = zero_currency(self.totals)
        for item in object_list:
            item.stats = stats.get(getattr(item, key), analytics.Stats()).as_dict()
            item.stats.update(figures.get(getattr(item, key), coupons.NO_COUPONS))
            item.stats["fallback_currency"] = self.fallback_currency

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        # Wagtail decorates rows after building the context; totals and the funnel need them now.
        context["object_list"] = self.decorate_paginated_queryset(context["object_list"])
        self.decorate_paginated_queryset = lambda object_list: object_list
        since, until = self.period
        days = analytics.daily(since, until, self.chart_scenario_id)
        peak = max([d.sent for d in days] + [1])
        bars = [
            {
                "day": day,
                "x": index * 10,
                **{name: round(getattr(day, name) * 100 / peak, 1) for name in ("sent", "opened", "clicked")},
            }
            for index, day in enumerate(days)
        ]
        context.update(
            since=since,
            until=until - timedelta(days=1),
            bars=bars,
            chart_width=len(days) * 10,
            funnel=self.funnel(),
            totals=self.totals,
            total_revenue=revenue_text(self.totals.revenue, self.fallback_currency) if self.totals else "",
            period_error=self.period_error,
            delivered_help=DELIVERED_HELP,
        )
        return context

    def funnel(self) -> list[dict[str, Any]]:
        return []


class ScenarioReportView(BaseTriggerReport):
    page_title = _("Trigger emails")
    header_icon = "mail"
    index_url_name = "wagtail_triggers_reports:scenarios"
    index_results_url_name = "wagtail_triggers_reports:scenarios_results"
    row_fields = ["name"]

    @cached_property
    def columns(self) -> list[Column]:
        return [
            TitleColumn("name", label=_("Scenario"), url_name="wagtail_triggers_reports:scenario", width="16%"),
            *[StatColumn(name, label=label) for name, label in METRICS + COUPON_METRICS],
        ]

    def get_queryset(self):
        return Scenario.objects.order_by("priority", "pk")

    def decorate_paginated_queryset(self, object_list):
        since, until = self.period
        stats = analytics.by_scenario(since, until)
        self.decorate_rows(object_list, stats, coupons.redemption_figures(since, until, "scenario_id"), "pk")
        return object_list

    def row_dict(self, item: Scenario) -> dict[str, Any]:
        return {"name": item.name, **self.stats_row_dict(item.stats)}


class StepReportView(BaseTriggerReport):
    """One scenario, letter by letter, with its funnel and daily trend."""

    header_icon = "mail"
    index_url_name = "wagtail_triggers_reports:scenario"
    index_results_url_name = "wagtail_triggers_reports:scenario_results"
    row_fields = ["position", "name"]
    metrics = METRICS[1:]  # chains are entered per scenario, not per letter

    def setup(self, request, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.scenario = get_object_or_404(Scenario, pk=kwargs["pk"])
        self.chart_scenario_id = self.scenario.pk

    @property
    def page_title(self) -> str:
        return scenario_name(self.scenario)

    def export_subject(self) -> str:
        return slugify(self.scenario.name) or f"scenario-{self.scenario.pk}"

    def get_index_url(self) -> str:
        return reverse(self.index_url_name, args=[self.scenario.pk])

    def get_index_results_url(self) -> str:
        return reverse(self.index_results_url_name, args=[self.scenario.pk])

    @cached_property
    def columns(self) -> list[Column]:
        return [
            Column("position", label=_("#")),
            Column("name", label=_("Letter"), width="20%"),
            *[StatColumn(name, label=label) for name, label in self.metrics + COUPON_METRICS],
        ]

    def get_queryset(self):
        return Step.objects.filter(scenario=self.scenario).order_by("position")

    def decorate_paginated_queryset(self, object_list):
        since, until = self.period
        stats = analytics.by_step(self.scenario.pk, since, until)
        figures = coupons.redemption_figures(since, until, "position", scenario_id=self.scenario.pk)
        self.decorate_rows(object_list, stats, figures, "position")
        self._steps = list(object_list)
        return object_list

    def funnel(self) -> list[dict[str, Any]]:
        rows = []
        for step in getattr(self, "_steps", []):
            sent = step.stats["sent"] or 0
            rows.append(
                {
                    "step": step,
                    "bars": [
                        (label, step.stats[name], (step.stats[name] / sent) if sent else 0)
                        for name, label in (
                            ("sent", _("Sent")),
                            ("opened", _("Opened")),
                            ("clicked", _("Clicked")),
                            ("converted", _("Converted")),
                        )
                    ],
                }
            )
        return rows

    def row_dict(self, item: Step) -> dict[str, Any]:
        return {"position": item.position, "name": item.name, **self.stats_row_dict(item.stats)}


def urlpatterns() -> list:
    return [
        path("", ScenarioReportView.as_view(), name="scenarios"),
        path("results/", ScenarioReportView.as_view(results_only=True), name="scenarios_results"),
        path("<int:pk>/", StepReportView.as_view(), name="scenario"),
        path("<int:pk>/results/", StepReportView.as_view(results_only=True), name="scenario_results"),
    ]


def can_see_reports(user) -> bool:
    """Reports show scenarios' counts: whoever may view or change scenarios may read them."""
    return user.has_perm(f"{Scenario._meta.app_label}.view_scenario") or user.has_perm(
        f"{Scenario._meta.app_label}.change_scenario"
    )


class ReportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_see_reports(request.user)


class LastWeekPanel(Component):
    """Admin home: the last seven days' letters and revenue per scenario, and what is failing."""

    name = "wagtail_triggers_last_week"
    template_name = "wagtail_triggers/reports/home_panel.html"
    order = 110

    def get_context_data(self, parent_context: dict[str, Any]) -> dict[str, Any]:
        now = timezone.now()
        since = now - timedelta(days=7)
        stats = analytics.by_scenario(since, now)
        shown = [s for s in Scenario.objects.order_by("priority", "pk") if s.enabled or s.pk in stats]
        fallback = zero_currency(analytics.total(stats))
        scenarios = []
        for scenario in shown:
            figures = stats.get(scenario.pk, analytics.Stats())
            scenarios.append((scenario, figures, revenue_text(figures.revenue, fallback)))
        return {
            "scenarios": scenarios,
            "failing": analytics.failing(since),
            "report_url": reverse("wagtail_triggers_reports:scenarios"),
        }
