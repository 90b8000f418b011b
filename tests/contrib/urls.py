"""A shop page that greets the customer (it reads request.user, as shop headers do)."""

from django.http import HttpResponse
from django.urls import path


def page(request):
    name = request.user.get_username() if request.user.is_authenticated else "guest"
    return HttpResponse(f"Hello, {name}")


def static_page(request):
    return HttpResponse("no user here")


urlpatterns = [
    path("shop/", page),
    path("admin/anything/", page),
    path("about/", static_page),
]
