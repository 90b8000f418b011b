"""Wake-up and hooliganism chains: spaced letters and discounts that grow with the absence;
one-click answers to "why did you stop coming?".

The data step moves existing installs to the new defaults, but only steps an editor has not
changed: a step is updated when its delay, coupon and coupon validity still equal the old
shipped defaults, and its name and the scenario's description when they still read as shipped
(in any of the site's languages). Everything else is left as the editor set it.
"""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext

DAY = timedelta(days=1)

# (template key suffix, delay, coupon %, coupon valid days): old shipped → new shipped.
OLD_WAKEUP = {90: (3, 5), 180: (7, 10), 360: (15, 20)}
NEW_WAKEUP = {90: (5, 8), 180: (12, 15), 360: (20, 25)}


def _wakeup_steps(small: int, big: int, coupon_delay: timedelta, last_delay: timedelta, valid: int) -> dict:
    return {
        "coupon": (coupon_delay, small, valid),
        "last_chance": (last_delay, big, valid),
    }


OLD_STEPS = {
    **{f"wakeup_{days}": _wakeup_steps(small, big, DAY, DAY, 14) for days, (small, big) in OLD_WAKEUP.items()},
    "hooliganism": {"warning": (DAY, None, 14), "coupon": (DAY, 11, 11), "what_have_you_done": (DAY, None, 14)},
}
NEW_STEPS = {
    **{f"wakeup_{days}": _wakeup_steps(small, big, 4 * DAY, 10 * DAY, 7) for days, (small, big) in NEW_WAKEUP.items()},
    "hooliganism": {
        "warning": (3 * DAY, None, 14),
        "coupon": (4 * DAY, 11, 11),
        "what_have_you_done": (7 * DAY, None, 14),
    },
}
# Step names as they were shipped, in English and Russian (frozen: the old msgids are gone),
# and the msgids of the new names.
OLD_STEP_NAMES = {
    "coupon": {"A {n} % coupon": "en", "Купон на {n} %": "ru"},
    "last_chance": {"A {n} % coupon, last call": "en", "Купон на {n} %, последний шанс": "ru"},
}
STEP_NAMES = {"coupon": "Coupon for {n} % off", "last_chance": "Last call: coupon for {n} % off"}

# The old descriptions as they were shipped (the old msgid is gone from the catalogue).
OLD_DESCRIPTIONS = (
    "For a customer with no visit and no order for {days} days: a friendly hello with no coupon, "
    "then a {small} % coupon, then a {big} % coupon, a day apart.",
    "Для покупателя без визитов и заказов в течение {days} дней: дружеский привет без купона, "
    "затем купон на {small} %, затем купон на {big} % — с интервалом в день.",
)
ASKS_WHY = (
    "For a customer with no visit and no order for {days} days: a hello that asks why they "
    "stopped coming (no coupon), then coupons for {small} % off on day {coupon_day} and {big} % off "
    "on day {last_day}."
)
FRIENDLY = (
    "For a customer with no visit and no order for {days} days: a friendly hello with no "
    "coupon, then coupons for {small} % off on day {coupon_day} and {big} % off on day {last_day}."
)


def _languages() -> list[str]:
    codes = [code.split("-")[0].lower() for code, _name in settings.LANGUAGES]
    return list(dict.fromkeys(["en", *codes]))


def _translated(msgid: str, language: str, **values) -> str:
    with translation.override(language):
        return gettext(msgid).format(**values)


def _new_description(kind: str, language: str) -> str:
    days = int(kind.split("_")[1])
    small, big = NEW_WAKEUP[days]
    msgid = ASKS_WHY if days == 90 else FRIENDLY
    return _translated(msgid, language, days=days, small=small, big=big, coupon_day=4, last_day=14)


def _update_step(step, kind: str, suffix: str) -> bool:
    old, new = OLD_STEPS[kind].get(suffix), NEW_STEPS[kind].get(suffix)
    if old is None or (step.delay, step.coupon_percent, step.coupon_valid_days) != old:
        return False
    step.delay, step.coupon_percent, step.coupon_valid_days = new
    fields = ["delay", "coupon_percent", "coupon_valid_days"]
    if kind.startswith("wakeup_") and suffix in STEP_NAMES:
        names = {name.format(n=old[1]): language for name, language in OLD_STEP_NAMES[suffix].items()}
        language = names.get(step.name)
        if language:
            step.name = _translated(STEP_NAMES[suffix], language, n=new[1])
            fields.append("name")
    step.save(update_fields=fields)
    return True


def to_new_defaults(apps, schema_editor) -> None:
    """Unedited wake-up and hooliganism steps (and descriptions) take the new shipped defaults."""
    Scenario = apps.get_model("wagtail_triggers", "Scenario")
    for scenario in Scenario.objects.filter(kind__in=list(OLD_STEPS)):
        for step in scenario.steps.all():
            kind, _slash, suffix = step.template_key.partition("/")
            if kind == scenario.kind:
                _update_step(step, kind, suffix)
        if scenario.kind.startswith("wakeup_"):
            days = int(scenario.kind.split("_")[1])
            small, big = OLD_WAKEUP[days]
            for index, old in enumerate(OLD_DESCRIPTIONS):
                if scenario.description == old.format(days=days, small=small, big=big):
                    scenario.description = _new_description(scenario.kind, "ru" if index else "en")
                    scenario.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0010_order_letters")]

    operations = [
        migrations.CreateModel(
            name="Answer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "key",
                    models.CharField(
                        choices=[
                            ("too_expensive", "Too expensive"),
                            ("not_found", "Didn't find what I needed"),
                            ("elsewhere", "Bought elsewhere"),
                            ("busy", "Just busy, I'll be back"),
                            ("other", "Something else"),
                        ],
                        max_length=20,
                        verbose_name="answer",
                    ),
                ),
                ("answered_at", models.DateTimeField(verbose_name="answered at")),
                ("first_answered_at", models.DateTimeField(verbose_name="first answered at")),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="wagtail_triggers.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "delivery",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answer",
                        to="wagtail_triggers.delivery",
                        verbose_name="letter",
                    ),
                ),
                (
                    "scenario",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="wagtail_triggers.scenario",
                        verbose_name="scenario",
                    ),
                ),
            ],
            options={
                "verbose_name": "answer",
                "verbose_name_plural": "answers",
                "ordering": ["-answered_at", "-pk"],
                "indexes": [models.Index(fields=["scenario", "key"], name="wt_answer_scenario")],
            },
        ),
        migrations.RunPython(to_new_defaults, migrations.RunPython.noop),
    ]
