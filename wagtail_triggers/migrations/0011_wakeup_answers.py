"""Reserved for issue 9; the engineer who owns it fills in the operations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0010_order_letters")]

    operations: list = []
