"""Issue 9, order letters: the follow-up's new default timing reaches existing installs.

The shipped follow-up used to send its five letters a day apart, so the review request came on
day 3. New installs get the new ``default_steps`` (+1 h, +2 d, +8 d, +4 d, +7 d). Here, a
follow-up step is moved to the new delay only while it is still exactly the old default —
same position, same letter, a delay of one day. A step an editor has changed is left alone.
"""

from datetime import timedelta

from django.db import migrations

KIND = "order_followup"
OLD_DELAY = timedelta(days=1)
# position → (letter key, new delay after the previous letter)
NEW_DELAYS = {
    1: ("order_followup/thanks", timedelta(hours=1)),
    2: ("order_followup/support", timedelta(days=2)),
    3: ("order_followup/review", timedelta(days=8)),
    4: ("order_followup/offers", timedelta(days=4)),
    5: ("order_followup/next_order", timedelta(days=7)),
}


def _move(apps, *, forward: bool) -> int:
    step_model = apps.get_model("wagtail_triggers", "Step")
    moved = 0
    for position, (key, new_delay) in NEW_DELAYS.items():
        current, target = (OLD_DELAY, new_delay) if forward else (new_delay, OLD_DELAY)
        moved += step_model.objects.filter(
            scenario__kind=KIND, position=position, template_key=key, delay=current
        ).update(delay=target)
    return moved


def update_followup_delays(apps, schema_editor) -> int:
    """Old shipped delays → new ones; returns how many steps changed."""
    return _move(apps, forward=True)


def restore_followup_delays(apps, schema_editor) -> int:
    """The reverse: steps still at the new defaults go back to a day apart."""
    return _move(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0009_coupon_redemption")]

    operations = [migrations.RunPython(update_followup_delays, restore_followup_delays)]
