"""The trigger-email report in a real browser, filled with generated history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_triggers.models import Contact, Conversion, Delivery, Enrollment, Scenario
from wagtail_triggers.provisioning import setup_builtins

from .conftest import login


@pytest.fixture
def history(transactional_db, django_user_model):
    """Thirty days of letters for three scenarios: sent, opened, clicked, some converted."""
    django_user_model.objects.create_superuser("owner", "owner@example.com", "a-long-password")
    setup_builtins()
    now = timezone.now()
    for kind, per_day in (("forgotten_cart", 12), ("order_followup", 7), ("wakeup_90", 4)):
        scenario = Scenario.objects.get(kind=kind)
        scenario.set_enabled(True, now=now - timedelta(days=40))
        for day in range(30):
            for n in range(per_day + day % 5):
                contact = Contact.objects.create(email=f"{kind}-{day}-{n}@example.com")
                sent_at = now - timedelta(days=day, hours=n % 12)
                enrollment = Enrollment.objects.create(
                    scenario=scenario, contact=contact, subject_id=f"s{day}-{n}", state="completed", started_at=sent_at
                )
                delivery = Delivery.objects.create(
                    enrollment=enrollment,
                    position=1 + n % 3,
                    scenario=scenario,
                    contact=contact,
                    status=Delivery.Status.SENT,
                    due_at=sent_at,
                    not_before=sent_at,
                    sent_at=sent_at,
                    opened_at=sent_at if n % 2 == 0 else None,
                    clicked_at=sent_at if n % 4 == 0 else None,
                    unsubscribed_at=sent_at if n == 7 else None,
                )
                if n % 8 == 0:
                    Conversion.objects.create(
                        delivery=delivery,
                        scenario=scenario,
                        contact=contact,
                        order_id=f"o-{delivery.pk}",
                        revenue=Decimal("48.90"),
                        currency="EUR",
                        occurred_at=sent_at + timedelta(hours=2),
                        attributed_by="click",
                    )


def test_report_with_generated_history(live_server, page, shot, history):
    login(page, live_server.url)
    page.goto(live_server.url + reverse("wagtail_triggers_reports:scenarios"))
    page.get_by_role("heading", name="Letters per day").wait_for()
    table = page.locator("table.listing").last
    assert "Forgotten cart" in table.inner_text()
    assert page.locator("svg.triggers-report__chart g").count() >= 30
    shot(page, "report-scenarios", full_page=True)
    # Every column fits a 1440 px screen, and names wrap between words only.
    fit = page.evaluate(
        """() => {
            const table = document.querySelector('table.w-triggers-report-table');
            const title = table.querySelector('td.title a, td a');
            const style = getComputedStyle(title.closest('td'));
            return {table: table.scrollWidth, box: table.parentElement.clientWidth,
                    page: document.scrollingElement.scrollWidth, view: document.scrollingElement.clientWidth,
                    wordBreak: style.wordBreak, overflowWrap: style.overflowWrap};
        }"""
    )
    assert fit["page"] <= fit["view"] and fit["table"] <= fit["box"], fit
    assert fit["wordBreak"] == "normal" and fit["overflowWrap"] == "normal", fit
    page.get_by_role("link", name="Forgotten cart").first.click()
    page.get_by_role("heading", name="Funnel of the chain").wait_for()
    shot(page, "report-forgotten-cart", full_page=True)
    page.goto(live_server.url + reverse("wagtailadmin_home"))
    page.get_by_text("Trigger emails, last 7 days").wait_for()
    shot(page, "dashboard-panel", full_page=True)


def test_the_docs_screenshots_are_made_from_the_demo(tmp_path):
    """Every image the README and the docs show is one ``scripts/docs_screenshots`` makes from
    the demo as shipped (its data and the README's steps), so they can be made again."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    from .conftest import CHROMIUM_MISSING, chromium_path

    if not chromium_path():
        pytest.skip(CHROMIUM_MISSING)
    root = Path(__file__).resolve().parents[2]
    shown = set()
    for doc in [root / "README.md", *(root / "docs").glob("*.md")]:
        shown |= set(re.findall(r"\]\((?:docs/)?images/([\w.-]+\.png)\)", doc.read_text()))
    result = subprocess.run(
        [sys.executable, str(root / "scripts" / "docs_screenshots"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    made = {path.name for path in tmp_path.glob("*.png")}
    assert shown and shown <= made, shown - made
    assert made <= {path.name for path in (root / "docs" / "images").glob("*.png")}
