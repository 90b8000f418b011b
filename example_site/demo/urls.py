from django.conf import settings
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("triggers/", include("wagtail_triggers.urls")),
    path("", include("shop.urls")),
    # A demo serves its own uploads (product images, also linked from letters) even with
    # DEBUG off; a real site lets the web server or a CDN do this.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
urlpatterns += staticfiles_urlpatterns()  # only when DEBUG (or runserver --insecure)

# Wagtail's page serving comes last: it answers every URL not matched above.
urlpatterns.append(path("", include(wagtail_urls)))
