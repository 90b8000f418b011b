#!/usr/bin/env python
"""Command-line entry point of the demo shop: ``cd example_site && python manage.py …``."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Import ``wagtail_triggers`` from this checkout even when the package is not pip-installed.
for path in (HERE, HERE.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
