"""Reports: SQL aggregations per scenario, per letter and per day; the admin report and panel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_triggers import analytics
from wagtail_triggers.models import Conversion, Delivery


@pytest.fixture
def history(builtins, clock, events):
    """Three forgotten carts: all reminded, one opened, one clicked and converted."""
    clock.now = timezone.now() - timedelta(hours=3)
    builtins["forgotten_cart"].set_enabled(True, now=clock.now - timedelta(minutes=1))
    for n in range(3):
        events.cart(email=f"c{n}@example.com", cart_id=f"cart{n}")
    clock.tick(minutes=61)
    deliveries = list(Delivery.objects.order_by("pk"))
    now = timezone.now()
    Delivery.objects.filter(pk=deliveries[0].pk).update(opened_at=now, open_count=1)
    Delivery.objects.filter(pk=deliveries[1].pk).update(opened_at=now, clicked_at=now, click_count=1, open_count=1)
    Delivery.objects.filter(pk=deliveries[2].pk).update(unsubscribed_at=now)
    Conversion.objects.create(
        delivery=deliveries[1],
        scenario_id=deliveries[1].scenario_id,
        contact_id=deliveries[1].contact_id,
        order_id="o1",
        revenue="61.80",
        currency="EUR",
        occurred_at=now,
        attributed_by="click",
    )
    return deliveries


def test_stats_by_scenario_and_step(history):
    since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(minutes=1)
    stats = analytics.by_scenario(since, until)[history[0].scenario_id]
    assert (stats.enrolled, stats.sent, stats.opened, stats.clicked, stats.converted, stats.unsubscribed) == (
        3,
        3,
        2,
        1,
        1,
        1,
    )
    assert stats.revenue == {"EUR": Decimal("61.80")}
    assert stats.rate("opened") == pytest.approx(2 / 3)
    by_step = analytics.by_step(history[0].scenario_id, since, until)
    assert set(by_step) == {1} and by_step[1].sent == 3 and by_step[1].converted == 1


def test_daily_rows_cover_every_day_of_the_period(history):
    since = timezone.now() - timedelta(days=6)
    days = analytics.daily(since, timezone.now() + timedelta(minutes=1))
    assert len(days) in (7, 8)
    assert sum(d.sent for d in days) == 3 and sum(d.converted for d in days) == 1


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def test_the_report_lists_scenarios_with_rates_and_exports(history, staff_client):
    url = reverse("wagtail_triggers_reports:scenarios")
    response = staff_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Forgotten cart" in body and "66.7%" in body and "€61.80" in body
    assert "<svg" in body
    csv = staff_client.get(url, {"export": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "Forgotten cart" in text and "Open rate, %" in text
    xlsx = staff_client.get(url, {"export": "xlsx"})
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]


def test_the_scenario_report_has_a_funnel_per_letter(history, staff_client):
    response = staff_client.get(reverse("wagtail_triggers_reports:scenario", args=[history[0].scenario_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Funnel of the chain" in body and "Reminder with the cart" in body


def test_a_period_without_letters_is_empty(history, staff_client):
    response = staff_client.get(
        reverse("wagtail_triggers_reports:scenarios"), {"period_from": "2020-01-01", "period_to": "2020-01-31"}
    )
    assert response.status_code == 200 and "61.80" not in response.content.decode()


def test_the_dashboard_panel_shows_last_week_and_failures(history, staff_client):
    Delivery.objects.filter(pk=history[2].pk).update(status=Delivery.Status.UNKNOWN)
    body = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Trigger emails, last 7 days" in body
    assert "interrupted while sending" in body


def test_reports_need_permission(history, client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", "e@example.com", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(reverse("wagtail_triggers_reports:scenarios")).status_code in (302, 403)
    assert "Trigger emails, last 7 days" not in client.get(reverse("wagtailadmin_home")).content.decode()


# -- issue 12: exports, rates, currencies, the period -----------------------------------------


def _csv(response) -> list[list[str]]:
    import csv
    import io

    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return list(csv.reader(io.StringIO(text)))


def _filename(response) -> str:
    import re

    return re.search(r'filename="?([^";]+)"?', response["Content-Disposition"]).group(1)


def _period(days_back: int = 6) -> dict[str, str]:
    today = timezone.localdate()
    return {"period_from": str(today - timedelta(days=days_back)), "period_to": str(today)}


def test_export_file_names_carry_the_scenario_and_the_period(history, staff_client):
    period = _period()
    scenarios = staff_client.get(reverse("wagtail_triggers_reports:scenarios"), {**period, "export": "csv"})
    expected = f"trigger-emails_all-scenarios_{period['period_from']}_{period['period_to']}.csv"
    assert _filename(scenarios) == expected
    one = reverse("wagtail_triggers_reports:scenario", args=[history[0].scenario_id])
    xlsx = staff_client.get(one, {**period, "export": "xlsx"})
    assert _filename(xlsx) == f"trigger-emails_forgotten-cart_{period['period_from']}_{period['period_to']}.xlsx"
    daily = staff_client.get(one, {**period, "export": "csv", "rows": "daily"})
    assert _filename(daily) == f"trigger-emails_forgotten-cart_{period['period_from']}_{period['period_to']}_daily.csv"


def test_rates_are_percentages_with_one_decimal_on_screen_and_in_exports(history, staff_client):
    url = reverse("wagtail_triggers_reports:scenarios")
    body = staff_client.get(url).content.decode()
    assert "2\u00a0·\u00a066.7%" in body and "0.6666" not in body
    rows = _csv(staff_client.get(url, {"export": "csv"}))
    header, cart = rows[0], next(row for row in rows if row[0] == "Forgotten cart")
    assert cart[header.index("Open rate, %")] == "66.7"
    assert cart[header.index("Click rate, %")] == "33.3"
    import io

    from openpyxl import load_workbook

    xlsx = staff_client.get(url, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = list(sheet.values)
    row = next(r for r in values if r[0] == "Forgotten cart")
    assert row[values[0].index("Open rate, %")] == 66.7


def test_daily_figures_are_exportable(history, staff_client):
    one = reverse("wagtail_triggers_reports:scenario", args=[history[0].scenario_id])
    page = staff_client.get(one).content.decode()
    assert "Download daily figures (CSV)" in page and "Download daily figures (XLSX)" in page
    rows = _csv(staff_client.get(one, {**_period(6), "export": "csv", "rows": "daily"}))
    header, days = rows[0], rows[1:]
    assert header == [
        "Day",
        "Sent",
        "Opened",
        "Clicked",
        "Converted",
        "Revenue, EUR",
        "Open rate, %",
        "Click rate, %",
        "Conversion rate, %",
    ]
    assert len(days) == 7 and [day[0] for day in days] == sorted(day[0] for day in days)
    assert sum(int(day[1]) for day in days) == 3
    busy = next(day for day in days if day[1] == "3")
    assert busy[2:6] == ["2", "1", "1", "61.80"] and busy[6] == "66.7"
    quiet = next(day for day in days if day[1] == "0")
    assert quiet[5] == "0.00" and quiet[6] == ""


def test_delivered_says_it_needs_the_providers_webhooks(history, staff_client):
    url = reverse("wagtail_triggers_reports:scenarios")
    assert "confirmed through its webhooks" in staff_client.get(url).content.decode()
    header = _csv(staff_client.get(url, {"export": "csv"}))[0]
    assert "Delivered (needs the email provider's webhooks)" in header


def test_zero_revenue_shows_the_shops_currency(history, staff_client):
    Conversion.objects.all().delete()  # letters sent, no order attributed
    body = staff_client.get(reverse("wagtail_triggers_reports:scenarios")).content.decode()
    assert "€0.00" in body  # the currency of the shop's carts
    header = _csv(staff_client.get(reverse("wagtail_triggers_reports:scenarios"), {"export": "csv"}))[0]
    assert "Revenue, EUR" in header
    panel = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "€0.00" in panel


def test_revenue_is_summed_per_currency(history, staff_client):
    delivery = history[0]
    Conversion.objects.create(
        delivery=delivery,
        scenario_id=delivery.scenario_id,
        contact_id=delivery.contact_id,
        order_id="o-rub",
        revenue="5000.00",
        currency="RUB",
        occurred_at=timezone.now(),
        attributed_by="open",
    )
    since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(minutes=1)
    stats = analytics.total(analytics.by_scenario(since, until))
    assert stats.revenue == {"EUR": Decimal("61.80"), "RUB": Decimal("5000.00")}
    day = next(d for d in analytics.daily(since, until) if d.sent)
    assert day.revenue == {"EUR": Decimal("61.80"), "RUB": Decimal("5000.00")} and day.converted == 2
    url = reverse("wagtail_triggers_reports:scenarios")
    body = staff_client.get(url).content.decode()
    assert "₽5,000.00 · €61.80" in body and "5061.8" not in body and "5,061.80" not in body
    rows = _csv(staff_client.get(url, {"export": "csv"}))
    header, cart = rows[0], next(row for row in rows if row[0] == "Forgotten cart")
    assert (cart[header.index("Revenue, EUR")], cart[header.index("Revenue, RUB")]) == ("61.80", "5000.00")
    panel = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "₽5,000.00 · €61.80" in panel


def test_a_reversed_period_is_refused_with_a_message(history, staff_client):
    url = reverse("wagtail_triggers_reports:scenarios")
    today = timezone.localdate()
    response = staff_client.get(url, {"period_from": str(today), "period_to": str(today - timedelta(days=10))})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The period starts after it ends" in body
    assert "The report below shows the last 30 days instead." in body
    default_start = today - timedelta(days=29)
    assert f"From {default_start.strftime('%b')}" in body or default_start.strftime("%Y") in body
    export = staff_client.get(
        url, {"period_from": str(today), "period_to": str(today - timedelta(days=10)), "export": "csv"}
    )
    assert export.status_code == 200 and f"_{default_start.isoformat()}_{today.isoformat()}" in _filename(export)


def test_report_names_wrap_between_words_only(history, staff_client):
    from pathlib import Path

    body = staff_client.get(reverse("wagtail_triggers_reports:scenarios")).content.decode()
    assert "w-triggers-report-table" in body
    css = (
        Path(__file__).resolve().parent.parent / "wagtail_triggers/static/wagtail_triggers/admin/admin.css"
    ).read_text()
    rule = css[css.index(".w-triggers-report-table th") :]
    rule = rule[: rule.index("}")]
    assert "word-break: normal" in rule and "overflow-wrap: normal" in rule and "hyphens: manual" in rule


def test_a_scenario_without_orders_shows_zero_in_the_periods_currency(history, staff_client):
    body = staff_client.get(reverse("wagtail_triggers_reports:scenarios")).content.decode()
    assert "€61.80" in body  # the forgotten cart
    rows = body[body.index("Cancelled order") :]
    assert "€0.00" in rows[:3000] and ">0.00<" not in body.replace(" ", "")
