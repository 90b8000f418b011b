"""Reports: SQL aggregations per scenario, per letter and per day; the admin report and panel."""

from __future__ import annotations

from datetime import timedelta

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
    assert str(stats.revenue) == "61.80" and stats.currency == "EUR"
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
    assert "Forgotten cart" in body and "66.7%" in body and "61.80 EUR" in body
    assert "<svg" in body
    csv = staff_client.get(url, {"export": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "Forgotten cart" in text and "Open rate" in text
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
