"""How the app's actions read in Wagtail's audit log (registered by ``wagtail_hooks``).

Publishing, editing, locking and reverting letters are Wagtail's own actions
(``wagtail.publish`` and so on); these are the ones only this app performs.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.log_actions import LogFormatter

from .testsend import masked_recipients


def _when(iso: str) -> str:
    """A logged ISO moment in the admin's date format (Wagtail's tooltips use DATETIME_FORMAT)."""
    moment = parse_datetime(iso)
    if moment is None:
        return iso
    return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "DATETIME_FORMAT")


class SwitchedOn(LogFormatter):
    label = gettext_lazy("Switch scenario on")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        if data.get("since"):
            count = data.get("started", 0)
            return ngettext(
                "Switched on, including events since %(since)s (%(count)d chain started)",
                "Switched on, including events since %(since)s (%(count)d chains started)",
                count,
            ) % {"since": _when(data["since"]), "count": count}
        return _("Switched on")


class SwitchedOff(LogFormatter):
    label = gettext_lazy("Switch scenario off")

    def format_message(self, log_entry):
        count = (log_entry.data or {}).get("stopped", 0)
        return ngettext(
            "Switched off; %(count)d chain in progress stopped",
            "Switched off; %(count)d chains in progress stopped",
            count,
        ) % {"count": count}


class TestSent(LogFormatter):
    """The letter's history is read by editors who may not see contacts: a customer's
    address is never shown here (the ``TestSend`` rows keep the details)."""

    label = gettext_lazy("Send a test letter")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        message = _("Test letter sent to %(to)s") % {"to": ", ".join(masked_recipients(data.get("to", [])))}
        if data.get("contact") or data.get("contact_id"):
            message += " " + _("(filled in as a customer)")
        return message


class ResetLetter(LogFormatter):
    label = gettext_lazy("Reset letter to default")
    message = gettext_lazy("Reset to the shipped default")


class Unsubscribed(LogFormatter):
    label = gettext_lazy("Unsubscribe contact")
    message = gettext_lazy("Unsubscribed from all trigger letters by staff")


class RemovedFromChain(LogFormatter):
    label = gettext_lazy("Remove contact from a chain")

    def format_message(self, log_entry):
        return _("Removed from the chain '%(scenario)s'") % {"scenario": (log_entry.data or {}).get("scenario", "")}


class ExportedData(LogFormatter):  # data rights
    label = gettext_lazy("Export a contact's data")
    message = gettext_lazy("Exported everything stored about this contact (JSON)")


class Forgot(LogFormatter):  # data rights: logged on the anonymous placeholder, names nobody
    label = gettext_lazy("Forget a person")
    message = gettext_lazy("Forgot a person: their data was erased, their address kept only as a hash")


ACTIONS = {
    "wagtail_triggers.export": ExportedData,
    "wagtail_triggers.forget": Forgot,
    "wagtail_triggers.enable": SwitchedOn,
    "wagtail_triggers.disable": SwitchedOff,
    "wagtail_triggers.send_test": TestSent,
    "wagtail_triggers.reset": ResetLetter,
    "wagtail_triggers.unsubscribe": Unsubscribed,
    "wagtail_triggers.remove_from_chain": RemovedFromChain,
}


def register_log_actions(actions) -> None:
    for action, formatter in ACTIONS.items():
        actions.register_action(action)(formatter)
