"""A django-oscar shop with wagtail-triggers, for the Oscar receivers' end-to-end tests.

Run: ``pytest tests/oscar_project -p no:cacheprovider --ds=tests.oscar_project.settings``
(``scripts/test`` does, after the main run).
"""

import oscar
from oscar.defaults import *  # noqa: F403

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS as BASE_APPS
from tests.settings import MIDDLEWARE as BASE_MIDDLEWARE
from tests.settings import TEMPLATES as BASE_TEMPLATES

INSTALLED_APPS = [
    *BASE_APPS,
    *[app for app in oscar.INSTALLED_APPS if app not in BASE_APPS],
    "wagtail_triggers.contrib.oscar",
]
SITE_ID = 1
MIDDLEWARE = [*BASE_MIDDLEWARE, "oscar.apps.basket.middleware.BasketMiddleware"]
ROOT_URLCONF = "tests.oscar_project.urls"
TEMPLATES = [
    {
        **BASE_TEMPLATES[0],
        "OPTIONS": {
            "context_processors": [
                *BASE_TEMPLATES[0]["OPTIONS"]["context_processors"],
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.core.context_processors.metadata",
            ]
        },
    }
]
AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
OSCAR_DEFAULT_CURRENCY = "EUR"
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Shipped", "Cancelled"),
    "Shipped": (),
    "Cancelled": (),
}
TRIGGERS_OSCAR_ORDER_STATUS_MAP = {"Cancelled": "order_cancelled"}
OSCAR_ALLOW_ANON_CHECKOUT = True  # the checkout's email page, where a guest gives an email
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"  # what Oscar's own migrations use
