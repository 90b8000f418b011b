"""The demo's production settings pass Django's deployment checklist, and refuse unsafe values."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

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
