"""Placeholder kept in the chain: data rights (erasure hashes, retention)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0006_editor_safety")]

    operations = []
