"""An upgrade brings database copies nobody edited to the new shipped letter; edited ones stay."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from wagtail_triggers.letter_versions import file_digest, released_digests, split_letter
from wagtail_triggers.models import EmailTemplate
from wagtail_triggers.provisioning import SetupResult, ensure_template
from wagtail_triggers.shipped import shipped_keys, shipped_letter, shipped_source

KEY = "order_followup/review"
# The review request as released in e06a79c ("How do you like your order?"), before issue 9.
OLD_REVIEW = Path(__file__).parent / "fixtures" / "letters" / "order_followup-review-e06a79c.mjml"


def old_copy(language: str = "en", line_ending: str = "\n") -> EmailTemplate:
    """A copy made by an earlier release's triggers_setup, as stored (the admin posts CRLF)."""
    subject, preheader, body = split_letter(OLD_REVIEW.read_text(encoding="utf-8"))
    template = EmailTemplate.objects.create(
        key=KEY,
        language=language,
        name="Follow-up after an order: How do you like it?",
        subject=subject,
        preheader=preheader,
        body=body.replace("\n", line_ending),
    )
    template.save_revision().publish()
    return template


def content(template: EmailTemplate) -> tuple[str, str, str]:
    template.refresh_from_db()
    return template.subject, template.preheader, template.body


def shipped() -> tuple[str, str, str]:
    source = shipped_source(KEY)
    return source.subject, source.preheader, source.body


def setup(language: str = "en") -> SetupResult:
    result = SetupResult()
    ensure_template(KEY, language, "unused: the copy exists", result)
    return result


@pytest.mark.django_db
@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
def test_an_unedited_old_copy_follows_the_new_shipped_letter_and_keeps_its_history(line_ending):
    template = old_copy(line_ending=line_ending)
    old_subject = template.subject
    assert old_subject == '{% translate "How do you like your order?" %}'

    result = setup()

    assert result.templates_refreshed == 1 and result.templates_customised == []
    assert content(template) == shipped()
    assert template.live and not template.has_unpublished_changes
    revisions = list(template.revisions.order_by("created_at", "pk"))
    assert len(revisions) == 2
    assert revisions[0].content["subject"] == old_subject
    assert revisions[1].content["subject"] == shipped()[0] and revisions[1].user is None
    assert template.live_revision_id == revisions[1].pk

    again = setup()
    assert again.templates_refreshed == 0 and again.templates_customised == []
    assert template.revisions.count() == 2


@pytest.mark.django_db
def test_an_edited_copy_is_left_alone_and_reported():
    template = old_copy()
    template.body = template.body.replace("An honest review", "An honest review (we read every one)")
    template.save_revision().publish()
    edited = content(template)

    result = setup()

    assert result.templates_refreshed == 0
    assert result.templates_customised == [f"{KEY} [en]"]
    assert content(template) == edited
    assert template.revisions.count() == 2


@pytest.mark.django_db
def test_a_copy_with_an_editors_pending_draft_is_left_for_the_editor():
    template = old_copy()
    template.subject = "A draft the editor has not published yet"
    template.save_revision()
    live = content(template)
    assert template.has_unpublished_changes

    result = setup()

    assert result.templates_refreshed == 0 and result.templates_customised == []
    assert result.templates_in_progress == [f"{KEY} [en]"]
    assert content(template) == live
    assert template.revisions.count() == 2
    assert template.latest_revision.content["subject"] == "A draft the editor has not published yet"


@pytest.mark.django_db
def test_triggers_setup_refreshes_once_and_names_the_edited_letters():
    unedited = old_copy("en")
    edited = old_copy("ru")
    edited.subject = "Как вам покупка?"
    edited.save_revision().publish()

    out = StringIO()
    call_command("triggers_setup", stdout=out)
    first = out.getvalue()
    assert "Scenarios created: 7, steps: 24, letters: 46." in first
    assert "Letters updated to the new shipped version: 1; edited letters kept: 1." in first
    assert (
        f"Edited, so not updated (compare with the shipped letter, or use “Reset to the shipped default” in the admin): {KEY} [ru]"
        in first
    )
    assert content(unedited) == shipped()
    assert content(edited)[0] == "Как вам покупка?"

    out = StringIO()
    call_command("triggers_setup", stdout=out)
    second = out.getvalue()
    assert "Scenarios created: 0, steps: 0, letters: 0." in second
    assert "Letters updated to the new shipped version: 0; edited letters kept: 1." in second
    assert unedited.revisions.count() == 2


def test_every_shipped_letter_is_recorded_as_a_released_version():
    recorded = released_digests()
    missing = [key for key in shipped_keys() if file_digest(shipped_letter(key)) not in recorded.get(key, ())]
    assert not missing, (
        f"wagtail_triggers/shipped_letters.json lacks the current version of {', '.join(missing)}: "
        "run `python3 scripts/shipped_letter_digests` and commit the file"
    )
    assert file_digest(OLD_REVIEW.read_text(encoding="utf-8")) in recorded[KEY]
