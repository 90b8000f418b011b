"""Editor safety: a log of test letters (also the rate limit) and the "any address" permission."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0005_send_reliability"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="emailtemplate",
            options={
                "ordering": ["key", "language"],
                "permissions": [("send_test_to_any_address", "Can send test letters to any address")],
                "verbose_name": "email template",
                "verbose_name_plural": "email templates",
            },
        ),
        migrations.CreateModel(
            name="TestSend",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("template_key", models.CharField(max_length=120, verbose_name="letter")),
                ("recipients", models.JSONField(default=list, verbose_name="recipients")),
                ("requested", models.PositiveIntegerField(default=0, verbose_name="messages requested")),
                ("sent", models.PositiveIntegerField(default=0, verbose_name="messages sent")),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="sent at"),
                ),
                ("error", models.TextField(blank=True, verbose_name="error")),
                (
                    "template",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="test_sends",
                        to="wagtail_triggers.emailtemplate",
                        verbose_name="letter",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "test letter",
                "verbose_name_plural": "test letters",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["user", "created_at"], name="wt_testsend_user_time")],
            },
        ),
    ]
