"""Issue 9: a coupon knows its letter, the order that redeemed it, and the code that replaced it."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0008_letter_headers")]

    operations = [
        migrations.AddField(
            model_name="issuedcoupon",
            name="delivery",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="issued_coupons",
                to="wagtail_triggers.delivery",
                verbose_name="letter",
            ),
        ),
        migrations.AddField(
            model_name="issuedcoupon",
            name="order_id",
            field=models.CharField(blank=True, max_length=255, verbose_name="redeemed with order"),
        ),
        migrations.AddField(
            model_name="issuedcoupon",
            name="replaced_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wagtail_triggers.issuedcoupon",
                verbose_name="replaced by",
            ),
        ),
        migrations.AlterField(
            model_name="issuedcoupon",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="created"),
        ),
    ]
