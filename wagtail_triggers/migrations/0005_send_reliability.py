"""The send-path reliability work: scenario error marks (a broken scenario never stops the rest)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0004_report_indexes")]

    operations = [
        migrations.AddField(
            model_name="scenario",
            name="last_error",
            field=models.TextField(blank=True, editable=False, verbose_name="last error"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="last_error_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last error at"),
        ),
    ]
