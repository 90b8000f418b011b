"""The chain editor fits a 1280 px screen: no horizontal scrolling, every column in view.

Measured in Chromium on the scenario with the longest chain (the order follow-up, with its
coupon step): the page and the steps table do not overflow, and the coupon and Remove columns
are inside the viewport. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import login
from wagtail_triggers.models import Scenario
from wagtail_triggers.provisioning import setup_builtins

pytestmark = pytest.mark.browser

MEASURE = """() => {
    const table = document.querySelector('.w-triggers-steps__table');
    const box = (el) => el.getBoundingClientRect();
    const container = table.parentElement;
    const coupon = table.querySelector('td.w-triggers-steps__coupon input');
    const remove = table.querySelector('.w-triggers-remove');
    return {
        pageScroll: document.scrollingElement.scrollWidth,
        pageClient: document.scrollingElement.clientWidth,
        tableScroll: table.scrollWidth,
        tableWidth: box(table).width,
        containerWidth: container.clientWidth,
        containerScroll: container.scrollWidth,
        viewport: window.innerWidth,
        coupon: coupon ? {left: box(coupon).left, right: box(coupon).right, width: box(coupon).width} : null,
        remove: remove ? {left: box(remove).left, right: box(remove).right, width: box(remove).width} : null,
    };
}"""


@pytest.fixture
def owner(django_user_model, transactional_db):
    setup_builtins()
    return django_user_model.objects.create_superuser("owner", "owner@example.com", "a-long-password")


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_chain_editor_fits_without_horizontal_scrolling(live_server, browser, shot, owner, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url)
        longest = max(Scenario.objects.all(), key=lambda scenario: scenario.steps.count())
        page.goto(live_server.url + reverse("wagtail_triggers_scenarios:edit", args=[longest.pk]))
        page.locator(".w-triggers-steps__table").scroll_into_view_if_needed()
        shot(page, f"chain-editor-{width}", full_page=True)
        size = page.evaluate(MEASURE)
        assert size["pageScroll"] <= size["pageClient"], size
        assert size["tableScroll"] <= size["containerWidth"], size
        assert size["containerScroll"] <= size["containerWidth"], size
        for column in ("coupon", "remove"):
            found = size[column]
            assert found and found["width"] > 0, (column, size)
            assert found["left"] >= 0 and found["right"] <= size["viewport"], (column, size)
        assert page.locator(".w-triggers-remove").first.is_visible()
        assert page.locator("td.w-triggers-steps__coupon input").first.is_visible()
    finally:
        context.close()
