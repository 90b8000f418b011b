"""Set-based inactivity scans and due claims at a million contacts (issues 11, 15, 17).

The contacts' absence stamp (``absence_anchor_at``, ``absence_rank``) with the partial indexes
the scans read, so an idle scan skips settled contacts by index; the due chains' index becomes
a partial one over active enrollments only. The stamp is the scans' record of what has fired in
a contact's current absence, so the contacts whose current absence already has a chain are
stamped from those enrollments here.
"""

import django.db.models.expressions
from django.db import migrations, models
from django.db.models import Exists, F, OuterRef, Subquery


def stamp_current_absences(apps, schema_editor):
    """Stamp each contact with the longest chain (its rank) already started in its current absence."""
    Contact = apps.get_model("wagtail_triggers", "Contact")
    Enrollment = apps.get_model("wagtail_triggers", "Enrollment")
    db = schema_editor.connection.alias
    fired = (
        Enrollment.objects.using(db)
        .filter(contact=OuterRef("pk"), anchor_at=OuterRef("last_activity_at"), rank__gt=0)
        .order_by("-rank")
        .values("rank")[:1]
    )
    Contact.objects.using(db).filter(Exists(fired)).update(
        absence_anchor_at=F("last_activity_at"), absence_rank=Subquery(fired)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_triggers", "0015_send_path_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="absence_anchor_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="absence settled since"),
        ),
        migrations.AddField(
            model_name="contact",
            name="absence_rank",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="absence settled up to, days"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("unsubscribed_at__isnull", True)),
                fields=["absence_rank", "last_activity_at"],
                name="wt_contact_absence",
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(
                    ("absence_anchor_at__lt", django.db.models.expressions.F("last_activity_at")),
                    ("unsubscribed_at__isnull", True),
                ),
                fields=["last_activity_at"],
                name="wt_contact_absence_stale",
            ),
        ),
        migrations.RemoveIndex(
            model_name="enrollment",
            name="wt_enrollment_due",
        ),
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(
                condition=models.Q(("state", "active")),
                fields=["next_run_at", "id"],
                name="wt_enrollment_due_active",
            ),
        ),
        migrations.RunPython(stamp_current_absences, migrations.RunPython.noop, elidable=True),
    ]
