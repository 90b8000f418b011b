"""Placeholder kept in the chain: the SMTP/send-path reliability work (delivery retry fields, scenario error marks)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0004_report_indexes")]

    operations = []
