"""WSGI entry point of the demo shop (``gunicorn demo.wsgi`` from ``example_site/``)."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
for path in (HERE, HERE.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from django.core.wsgi import get_wsgi_application  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")

application = get_wsgi_application()
