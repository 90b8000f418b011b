"""Reports in the Wagtail admin: per scenario and per letter, with trends, a funnel, export.

Built on Wagtail's ``ReportView`` (so CSV/XLSX export comes with it) and the SQL
aggregations in :mod:`wagtail_triggers.analytics`; the dashboard panel shows the last seven
days on the admin home page.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import django_filters
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from .. import analytics, coupons
from ..models import Scenario, Step

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
RATES = [
    ("opened_rate", _("Open rate")),
    ("clicked_rate", _("Click rate")),
    ("converted_rate", _("Conversion rate")),
    ("unsubscribed_rate", _("Unsubscribe rate")),
    ("redeemed_rate", _("Redemption rate")),
]


class PeriodFilterSet(WagtailFilterSet):
    """Only chooses the period; it never hides rows."""

    period = django_filters.DateFromToRangeFilter(label=_("Period"), method="keep_all", widget=DateRangePickerWidget)

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
            return f"{value:,.2f} {instance.stats.get('currency', '')}".strip()
        rate = instance.stats.get(f"{self.name}_rate") if self.name in RATED else None
        return f"{value} · {rate:.1%}" if rate is not None else value


class PeriodMixin:
    """Reads the period from the filter form (default: the last 30 days, today included)."""

    request: Any

    @cached_property
    def period(self) -> tuple[datetime, datetime]:
        today = timezone.localdate()
        start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
        form = PeriodFilterSet(self.request.GET).form
        if form.is_valid() and form.cleaned_data.get("period"):
            chosen = form.cleaned_data["period"]
            start, end = chosen.start or start, chosen.stop or end
        zone = timezone.get_current_timezone()
        since = timezone.make_aware(datetime.combine(start, time.min), zone)
        until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone)
        return since, until


def _stats_row(stats: analytics.Stats) -> dict[str, Any]:
    return stats.as_dict()


class BaseTriggerReport(PeriodMixin, ReportView):
    permission_policy = ModelPermissionPolicy(Scenario)
    any_permission_required = ["view", "change"]
    filterset_class = PeriodFilterSet
    results_template_name = "wagtail_triggers/reports/report_results.html"
    paginate_by = None
    export_headings = dict(METRICS + COUPON_METRICS + RATES)

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
        )
        return context

    chart_scenario_id: int | None = None
    totals: analytics.Stats | None = None

    def funnel(self) -> list[dict[str, Any]]:
        return []


class ScenarioReportView(BaseTriggerReport):
    page_title = _("Trigger emails")
    header_icon = "mail"
    index_url_name = "wagtail_triggers_reports:scenarios"
    index_results_url_name = "wagtail_triggers_reports:scenarios_results"
    list_export = ["name", *[name for name, _label in METRICS + COUPON_METRICS + RATES]]

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
        figures = coupons.redemption_figures(since, until, "scenario_id")
        self.totals = analytics.total(stats)
        for scenario in object_list:
            scenario.stats = _stats_row(stats.get(scenario.pk, analytics.Stats()))
            scenario.stats.update(figures.get(scenario.pk, coupons.NO_COUPONS))
        return object_list

    def to_row_dict(self, item: Scenario) -> dict[str, Any]:
        metrics = METRICS + COUPON_METRICS + RATES
        return {"name": item.name, **{name: item.stats.get(name) for name, _label in metrics}}


class StepReportView(BaseTriggerReport):
    """One scenario, letter by letter, with its funnel and daily trend."""

    header_icon = "mail"
    index_url_name = "wagtail_triggers_reports:scenario"
    index_results_url_name = "wagtail_triggers_reports:scenario_results"
    list_export = ["position", "name", *[name for name, _label in METRICS[1:] + COUPON_METRICS + RATES]]

    def setup(self, request, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.scenario = get_object_or_404(Scenario, pk=kwargs["pk"])
        self.chart_scenario_id = self.scenario.pk

    @property
    def page_title(self) -> str:
        return self.scenario.name

    def get_index_url(self) -> str:
        return reverse(self.index_url_name, args=[self.scenario.pk])

    def get_index_results_url(self) -> str:
        return reverse(self.index_results_url_name, args=[self.scenario.pk])

    @cached_property
    def columns(self) -> list[Column]:
        return [
            Column("position", label=_("#")),
            Column("name", label=_("Letter"), width="20%"),
            *[StatColumn(name, label=label) for name, label in METRICS[1:] + COUPON_METRICS],
        ]

    def get_queryset(self):
        return Step.objects.filter(scenario=self.scenario).order_by("position")

    def decorate_paginated_queryset(self, object_list):
        since, until = self.period
        stats = analytics.by_step(self.scenario.pk, since, until)
        figures = coupons.redemption_figures(since, until, "position", scenario_id=self.scenario.pk)
        self.totals = analytics.total(stats)
        for step in object_list:
            step.stats = _stats_row(stats.get(step.position, analytics.Stats()))
            step.stats.update(figures.get(step.position, coupons.NO_COUPONS))
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

    def to_row_dict(self, item: Step) -> dict[str, Any]:
        metrics = METRICS[1:] + COUPON_METRICS + RATES
        return {"position": item.position, "name": item.name, **{n: item.stats.get(n) for n, _l in metrics}}


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
        scenarios = [
            (scenario, stats.get(scenario.pk, analytics.Stats()))
            for scenario in Scenario.objects.order_by("priority", "pk")
            if scenario.enabled or scenario.pk in stats
        ]
        return {
            "scenarios": scenarios,
            "failing": analytics.failing(since),
            "report_url": reverse("wagtail_triggers_reports:scenarios"),
        }
