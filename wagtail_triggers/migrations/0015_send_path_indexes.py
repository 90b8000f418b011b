"""Reserved for the batched send path (issue 11/17): indexes for the queued-deliveries claim."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0014_exclude_staff_default"),
    ]

    operations = []
