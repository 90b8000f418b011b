"""Who may do what in the admin, as Wagtail permission policies.

+-------------------------------------------+-------------------------------------------+
| Action                                    | Permission                                |
+===========================================+===========================================+
| See the scenarios listing                 | any permission on scenarios               |
| Switch a scenario on or off               | ``wagtail_triggers.enable_scenario``      |
| Change a scenario's settings and chain    | ``wagtail_triggers.change_scenario``      |
| Add a custom scenario                     | ``wagtail_triggers.add_scenario``         |
| Edit letters, save drafts, send tests     | ``wagtail_triggers.change_emailtemplate`` |
| Publish letters, reset to the default     | ``wagtail_triggers.publish_emailtemplate``|
| See contacts and their history            | ``wagtail_triggers.view_contact``         |
| Unsubscribe, remove from a chain          | ``wagtail_triggers.change_contact``       |
| Download a contact's data (JSON)          | ``view_contact`` or ``change_contact``    |
| Forget a person (erase their data)        | ``wagtail_triggers.forget_contact``       |
+-------------------------------------------+-------------------------------------------+
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry

from ..models import Contact, EmailTemplate, Scenario


def scenario_policy() -> ModelPermissionPolicy:
    return policy_registry.get_by_type(Scenario)


def letter_policy() -> ModelPermissionPolicy:
    return policy_registry.get_by_type(EmailTemplate)


def contact_policy() -> ModelPermissionPolicy:
    return policy_registry.get_by_type(Contact)


def can_enable(user) -> bool:
    return scenario_policy().user_has_permission(user, "enable")


def can_see_contacts(user) -> bool:
    return contact_policy().user_has_any_permission(user, ["view", "change"])


def can_change_contacts(user) -> bool:
    return contact_policy().user_has_permission(user, "change")


def can_forget_contacts(user) -> bool:
    return contact_policy().user_has_permission(user, "forget")
