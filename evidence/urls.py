"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

from evidence import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/", include("evidence.api.urls")),
    # Researcher pages (HTML): evidence, trials and secretome namespaces.
    path("", include("evidence.site_urls")),
    path("", include("trials.urls")),
    path("", include("secretome.urls")),
]
