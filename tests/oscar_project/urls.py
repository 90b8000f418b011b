from django.apps import apps
from django.urls import include, path

urlpatterns = [
    path("triggers/", include("wagtail_triggers.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
