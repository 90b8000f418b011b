"""New scenarios skip staff by default (issue 12): an admin browsing the shop is no customer.

Only the field default changes; existing scenarios keep their setting.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0013_scenario_settings_fields"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scenario",
            name="exclude_staff",
            field=models.BooleanField(
                default=True,
                help_text="Skip customers who are staff users of this site.",
                verbose_name="Don't send to staff",
            ),
        ),
    ]
