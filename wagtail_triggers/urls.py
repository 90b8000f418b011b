from django.urls import path

from . import views

app_name = "wagtail_triggers"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
