"""scripts/test installs no system packages; without Chromium the browser tests are skipped with a
reason that says how to install it, and CI installs Chromium explicitly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands(script: Path) -> list[str]:
    """The script's lines that run something (no comments, no messages)."""
    lines = (line.strip() for line in script.read_text().splitlines())
    return [line for line in lines if line and not line.startswith(("#", "echo "))]


def test_scripts_test_installs_no_system_packages():
    commands = _commands(ROOT / "scripts" / "test")
    assert not [line for line in commands if "apt-get" in line or "apt " in line or "sudo" in line]
    text = (ROOT / "scripts" / "test").read_text()
    assert "Chromium is not installed" in text
    assert "apt-get install chromium" in text


def test_ci_installs_chromium_explicitly_before_the_tests():
    text = (ROOT / ".ci" / "run").read_text()
    line = next(line for line in _commands(ROOT / ".ci" / "run") if "apt-get install" in line)
    assert line.startswith("command -v chromium >/dev/null ||")
    assert "DEBIAN_FRONTEND=noninteractive apt-get install -y" in line
    assert text.index(line) < text.index("env PYTHON=")  # before run() calls ./scripts/test


def test_browser_tests_are_skipped_with_the_install_hint_without_chromium(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"CHROMIUM", "DATABASE_URL"}}
    env["PATH"] = str(tmp_path)  # no chromium on the PATH
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/browser/test_preview_sandbox.py",
            "-p",
            "no:cacheprovider",
            "-rs",
            "-q",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" in result.stdout
    assert "Chromium is not installed: install it with `sudo apt-get install chromium`" in result.stdout
    assert "passed" not in result.stdout
