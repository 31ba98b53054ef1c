"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

from evidence import health, login_limits

# A database outage outside a view is a 503 too (see evidence/middleware.py).
handler500 = "evidence.middleware.server_error"

urlpatterns = [
    # Before admin.site.urls: the admin's login view behind the brute-force limit.
    path("admin/login/", login_limits.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/", include("evidence.site.api_urls")),
    # Researcher pages (HTML): evidence, trials and secretome namespaces.
    path("", include("evidence.site.urls")),
    path("", include("trials.urls")),
    path("", include("secretome.urls")),
]
