"""Data rights: hashes of forgotten addresses; coupons outlive the contact they were issued to."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0006_editor_safety")]

    operations = [
        migrations.AlterModelOptions(
            name="contact",
            options={
                "permissions": [("forget_contact", "Can forget a person (erase their data)")],
                "verbose_name": "contact",
                "verbose_name_plural": "contacts",
            },
        ),
        migrations.CreateModel(
            name="ErasedAddress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=64, unique=True, verbose_name="address hash")),
                ("erased_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="erased")),
            ],
            options={"verbose_name": "erased address", "verbose_name_plural": "erased addresses"},
        ),
        migrations.AlterField(
            model_name="issuedcoupon",
            name="contact",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="coupons",
                to="wagtail_triggers.contact",
            ),
        ),
    ]
