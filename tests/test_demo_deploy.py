"""The demo's settings: production ones pass Django's deployment checklist and refuse unsafe values;
on PostgreSQL the demo installs django.contrib.postgres and passes its checks."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE_SITE = Path(__file__).resolve().parent.parent / "example_site"


def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "BASE_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="demo.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=EXAMPLE_SITE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _check_deploy(SECRET_KEY=secrets.token_urlsafe(64), BASE_URL="https://shop.example")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_the_demo_secret_key():
    result = _check_deploy(SECRET_KEY="demo-only-insecure-secret-key-change-me", BASE_URL="https://shop.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_a_plain_http_base_url():
    result = _check_deploy(SECRET_KEY=secrets.token_urlsafe(64), BASE_URL="http://shop.example")
    assert result.returncode != 0
    assert "BASE_URL" in result.stderr


def _demo_installed_apps(database_url: str) -> list[str]:
    """The demo's INSTALLED_APPS as its settings module builds them for this DATABASE_URL."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    clean["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-c", "import json, demo.settings as s; print(json.dumps(s.INSTALLED_APPS))"],
        cwd=EXAMPLE_SITE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        ("sqlite:///demo.sqlite3", False),
        ("postgres://postgres@127.0.0.1:5432/demo", True),
        ("postgresql://user:secret@db.example:5432/shop", True),
    ],
)
def test_demo_installs_django_contrib_postgres_exactly_on_postgresql(database_url, expected):
    # Wagtail's search index declares GIN indexes on PostgreSQL: without the app, Django's
    # checks stop check/migrate/qcluster at postgres.E005.
    assert ("django.contrib.postgres" in _demo_installed_apps(database_url)) is expected


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="the demo's checks on PostgreSQL need the PostgreSQL server of the test run",
)
def test_demo_passes_its_checks_on_postgresql():
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
        cwd=EXAMPLE_SITE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "postgres.E005" not in result.stdout + result.stderr


def _demo_base_urls(**env: str) -> list[str]:
    """TRIGGERS_BASE_URL and WAGTAILADMIN_BASE_URL as the demo's settings build them for this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"BASE_URL", "HOST", "PORT", "DJANGO_SETTINGS_MODULE"}}
    clean.update(env)
    code = "import demo.settings as s; print(s.TRIGGERS_BASE_URL, s.WAGTAILADMIN_BASE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=EXAMPLE_SITE, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://0.0.0.0:9000"),
        ({"PORT": "8123", "BASE_URL": "https://shop.example/"}, "https://shop.example"),
    ],
)
def test_links_in_letters_use_the_origin_scripts_demo_serves(env, expected):
    """Commands run beside the demo (triggers_tick) link to where scripts/demo serves it: the
    settings derive the origin from BASE_URL, else HOST and PORT, with the script's defaults."""
    assert _demo_base_urls(**env) == [expected, expected]
    script = (EXAMPLE_SITE.parent / "scripts" / "demo").read_text()
    assert "HOST=${HOST:-127.0.0.1}" in script and "PORT=${PORT:-8000}" in script and "export HOST PORT" in script
