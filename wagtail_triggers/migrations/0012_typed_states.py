from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0011_wakeup_answers")]

    operations: list = []
