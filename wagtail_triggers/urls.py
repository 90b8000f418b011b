from django.urls import path

from . import answers, views

app_name = "wagtail_triggers"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("c/<str:token>/", views.click, name="click"),
    path("o/<str:token>/", views.open_pixel, name="open"),
    path("a/<str:token>/", answers.answer, name="answer"),
]
