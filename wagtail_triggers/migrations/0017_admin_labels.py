"""Reserved for the admin and demo fixes (issue 12)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0016_scan_indexes"),
    ]

    operations = [
        # Letters are called letters everywhere in the admin (the menu, page titles, breadcrumbs).
        migrations.AlterModelOptions(
            name="emailtemplate",
            options={
                "ordering": ["key", "language"],
                "permissions": [("send_test_to_any_address", "Can send test letters to any address")],
                "verbose_name": "letter",
                "verbose_name_plural": "letters",
            },
        ),
    ]
