"""The Wagtail admin of trigger emails.

``viewsets.py`` (one level up) holds the module-level viewsets and ``wagtail_hooks.py`` only
registers them. This package holds what they are made of:

- ``views`` — tiny subclasses of Wagtail's generic views (scenarios, letters, contacts);
- ``forms``, ``widgets``, ``panels`` — the scenario settings form, the MJML code editor;
- ``switching``, ``testsend``, ``previewing`` — the actions the views run, usable on their own;
- ``variables``, ``stats`` — the variable reference beside the editor, the listing's counts;
- ``permissions``, ``log_actions`` — who may do what, and how it reads in the audit log.
"""
