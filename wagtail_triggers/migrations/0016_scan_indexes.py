"""Reserved for the set-based scans and bulk claims (issues 11/15/17): indexes for the due and scan queries."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0015_send_path_indexes"),
    ]

    operations = []
