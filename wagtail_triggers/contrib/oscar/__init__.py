"""Receivers for django-oscar's signals, ending in :func:`wagtail_triggers.record_event`.

Add ``"wagtail_triggers.contrib.oscar"`` to ``INSTALLED_APPS`` (after Oscar's apps); its
``ready()`` connects the receivers. Basket changes become ``cart_updated``, a placed order
``order_completed`` (its basket is the cart, which ends the forgotten-cart chain), order
status changes map through ``TRIGGERS_OSCAR_ORDER_STATUS_MAP``, registration becomes
``customer_registered`` and a login ``customer_seen``. See ``docs/oscar.md``.
"""

from django.core.exceptions import ImproperlyConfigured

try:
    import oscar  # noqa: F401
except ImportError as exc:
    raise ImproperlyConfigured(
        "wagtail_triggers.contrib.oscar connects django-oscar's signals, but django-oscar is not "
        "installed: pip install 'wagtail-triggers[oscar]', or remove the app from INSTALLED_APPS."
    ) from exc
