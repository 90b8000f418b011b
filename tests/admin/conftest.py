"""Admin test fixtures: users with exactly the permissions a test needs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from wagtail_triggers.models import EmailTemplate, Scenario


@pytest.fixture
def superuser(django_user_model, builtins):
    return django_user_model.objects.create_superuser("owner", "owner@example.com", "pw")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def make_user(django_user_model, builtins):
    """A Wagtail admin user holding only the given permissions (``app_label.codename``)."""

    def _make(username: str, *codenames: str):
        user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw")
        group = Group.objects.create(name=f"group-{username}")
        group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
        for name in codenames:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        user.groups.add(group)
        return user

    return _make


@pytest.fixture
def scenario(builtins) -> Scenario:
    return Scenario.objects.get(kind="forgotten_cart")


@pytest.fixture
def letter(builtins) -> EmailTemplate:
    return EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
