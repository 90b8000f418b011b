"""Placeholder kept in the chain: editor safety (test-send log, render limits)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0005_send_reliability")]

    operations = []
