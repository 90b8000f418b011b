"""The batched send path (issues 11 and 17): a partial index for claiming due queued letters.

``send_queued`` claims ``… WHERE status = 'queued' AND not_before <= now ORDER BY not_before, id
LIMIT n FOR UPDATE SKIP LOCKED``; this index serves it in order, without a sequential scan of
all deliveries and a sort, and stays as small as the queue.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0014_exclude_staff_default"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("status", "queued")),
                fields=["not_before", "id"],
                name="wt_delivery_due",
            ),
        ),
    ]
