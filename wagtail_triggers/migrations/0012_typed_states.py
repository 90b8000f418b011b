from django.db import migrations, models

# What the engine wrote into ``Event.error`` before duplicates had their own field.
DUPLICATE_ERROR = "duplicate of an earlier event for the same order"


def mark_duplicates(apps, schema_editor):
    Event = apps.get_model("wagtail_triggers", "Event")
    Event.objects.filter(error__startswith="duplicate").update(duplicate=True, error="")


def unmark_duplicates(apps, schema_editor):
    Event = apps.get_model("wagtail_triggers", "Event")
    Event.objects.filter(duplicate=True).update(error=DUPLICATE_ERROR)


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0011_wakeup_answers")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="duplicate",
            field=models.BooleanField(
                default=False,
                help_text="A repeat of an earlier order event without an idempotency key; it changed nothing.",
                verbose_name="duplicate",
            ),
        ),
        migrations.RunPython(mark_duplicates, unmark_duplicates),
    ]
