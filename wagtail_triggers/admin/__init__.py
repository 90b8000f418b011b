"""The Wagtail admin of trigger emails.

``viewsets`` holds the module-level viewsets; ``wagtail_hooks.py`` (one level up) only
registers them. Imports run one way: viewsets → views → forms → choosers, panels, actions.

- ``viewsets`` — the "Trigger emails" menu: scenarios, letters, contacts;
- ``views`` — tiny subclasses of Wagtail's generic views (scenarios, letters, contacts);
- ``choosers`` — the contact chooser used by the letter preview and "Send a test";
- ``reports`` — the reports and the dashboard panel;
- ``previews`` — the letter preview in the editor;
- ``forms``, ``widgets``, ``panels`` — the scenario settings form, the MJML code editor;
- ``switching``, ``testsend``, ``previewing`` — the actions the views run, usable on their own;
- ``variables``, ``stats`` — the variable reference beside the editor, the listing's counts;
- ``permissions``, ``log_actions`` — who may do what, and how it reads in the audit log.
"""
