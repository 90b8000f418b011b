"""``path("saleor/", include("wagtail_triggers.contrib.saleor.urls"))`` → manifest at ``/saleor/manifest/``."""

from django.urls import path

from . import views

app_name = "wagtail_triggers_saleor"

urlpatterns = [
    path("manifest/", views.manifest, name="manifest"),
    path("register/", views.register, name="register"),
    path("webhooks/<slug:event>/", views.webhook, name="webhook"),
]
