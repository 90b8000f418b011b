"""Reserved for the admin and demo fixes (issue 12)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0016_scan_indexes"),
    ]

    operations = []
