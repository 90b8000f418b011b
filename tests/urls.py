from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("triggers/", include("wagtail_triggers.urls")),
    path("", include(wagtail_urls)),
]

# Adapters (issue 3): the Saleor app's manifest, register and webhook endpoints.
urlpatterns.insert(0, path("saleor/", include("wagtail_triggers.contrib.saleor.urls")))
