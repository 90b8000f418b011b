"""Optional adapters that connect real shops to :func:`wagtail_triggers.record_event`.

Each is its own Django app, added to ``INSTALLED_APPS`` only by the shops that use it:
``wagtail_triggers.contrib.saleor`` (a Saleor app: manifest, register, signed webhooks) and
``wagtail_triggers.contrib.oscar`` (receivers for django-oscar's signals).
"""
