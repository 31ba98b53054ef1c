"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("evidence.api.urls")),
    # Researcher pages (HTML): evidence, trials and secretome namespaces.
    path("", include("evidence.site_urls")),
    path("", include("trials.urls")),
    path("", include("secretome.urls")),
]
