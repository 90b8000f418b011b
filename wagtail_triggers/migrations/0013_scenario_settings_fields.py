from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0012_typed_states")]

    operations: list = []
