"""Browser tests: Playwright driving the system's Chromium against pytest-django's live server.

Chromium comes from the distribution (``apt-get install chromium``), never from
``playwright install``. Without Chromium or Playwright these tests are skipped with the reason,
which says how to install what is missing; ``./scripts/test`` installs nothing (CI installs
Chromium explicitly in ``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


CHROMIUM_MISSING = (
    "Chromium is not installed: install it with `sudo apt-get install chromium` "
    "(or set CHROMIUM=/path/to/chromium) to run the browser tests"
)


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(django_db_setup):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    executable = chromium_path()
    if not executable:
        pytest.skip(CHROMIUM_MISSING)
    # Playwright's sync API keeps an event loop in this thread while the browser is open.
    # The test's own ORM calls between browser steps are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def wagtail_site(transactional_db):
    """Wagtail's default locale, page tree root and site, as its migrations made them.

    Live-server tests run in real transactions and the database is flushed after each, which
    also removes what migrations inserted; the admin's dashboard needs these two.
    """
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page, Site

    ContentType.objects.clear_cache()
    if not Locale.objects.exists():
        Locale.objects.create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    if not Site.objects.exists():
        home = root.get_children().first() or root.add_child(instance=Page(title="Home", slug="home"))
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shot():
    """``shot(page, "name")`` saves test-artifacts/screenshots/name.png and returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str, **kwargs) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), **kwargs)
        return path

    return _shot


def login(page, base_url: str, username: str = "owner", password: str = "a-long-password") -> None:
    """Sign in through Wagtail's own login form, as a person would."""
    page.goto(base_url + reverse("wagtailadmin_login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + reverse("wagtailadmin_home"))
