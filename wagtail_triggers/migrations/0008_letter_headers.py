"""Issue 9, headers: a per-scenario Reply-To; deliveries found by their random Message-ID.

No data migration: a queued delivery draws its Message-ID when it is first composed (see
``compose.assign_message_id``), and a delivery already tried keeps the id it went out with.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0007_data_rights")]

    operations = [
        migrations.AddField(
            model_name="scenario",
            name="reply_to",
            field=models.EmailField(
                blank=True,
                help_text="Where replies to these letters go. Empty: the shop's reply address from the site settings.",
                max_length=254,
                verbose_name="reply-to address",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="message_id",
            field=models.CharField(blank=True, db_index=True, max_length=255, verbose_name="Message-ID"),
        ),
    ]
