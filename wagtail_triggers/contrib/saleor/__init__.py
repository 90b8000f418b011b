"""A Saleor app: installs into a Saleor instance and turns its webhooks into events.

Add ``"wagtail_triggers.contrib.saleor"`` to ``INSTALLED_APPS`` and
``path("saleor/", include("wagtail_triggers.contrib.saleor.urls"))`` to your URLs, list the
Saleor API URLs allowed to install it in ``TRIGGERS_SALEOR_ALLOWED_API_URLS``, then install the
app in Saleor by its manifest URL (``https://your-site/saleor/manifest/``). See ``docs/saleor.md``.

Modules: ``views`` (manifest, register, webhooks), ``verification`` (JWS and HMAC signatures),
``mapping`` (payload → ``record_event``), ``queries`` (subscription queries), ``remote`` (the
calls to Saleor), ``models`` (one install per API URL).
"""
