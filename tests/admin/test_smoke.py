"""Every admin screen renders for a superuser."""

from __future__ import annotations

from django.urls import reverse

from wagtail_triggers.models import Contact


def test_every_screen_renders(admin_client, scenario, letter):
    contact = Contact.objects.create(email="anna@example.com", first_name="Anna")
    urls = [
        reverse("wagtail_triggers_scenarios:index"),
        reverse("wagtail_triggers_scenarios:edit", args=[scenario.pk]),
        reverse("wagtail_triggers_scenarios:add"),
        reverse("wagtail_triggers_scenarios:enable", args=[scenario.pk]),
        reverse("wagtail_triggers_scenarios:history", args=[scenario.pk]),
        reverse("wagtailsnippets_wagtail_triggers_emailtemplate:list"),
        reverse("wagtailsnippets_wagtail_triggers_emailtemplate:edit", args=[letter.pk]),
        reverse("wagtailsnippets_wagtail_triggers_emailtemplate:add") + "?key=forgotten_cart/reminder&language=ru",
        reverse("wagtailsnippets_wagtail_triggers_emailtemplate:send_test", args=[letter.pk]),
        reverse("wagtailsnippets_wagtail_triggers_emailtemplate:reset", args=[letter.pk]),
        reverse("wagtail_triggers_contacts:index"),
        reverse("wagtail_triggers_contacts:inspect", args=[contact.pk]),
        reverse("wagtail_triggers_contacts:history", args=[contact.pk]),
        reverse("wagtail_triggers_contact_chooser:choose"),
        reverse("wagtailadmin_home"),
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
