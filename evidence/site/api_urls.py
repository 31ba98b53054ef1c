"""The API under /api/: the root, each app's routes, the schema and the docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from evidence.api import urls as evidence_urls
from evidence.site import api_views
from secretome.api import urls as secretome_urls
from trials.api import urls as trials_urls

_APPS = (evidence_urls, trials_urls, secretome_urls)
_RESOURCES = {
    prefix: f"{app.app_name}:{basename}-list"
    for app in _APPS
    for prefix, _viewset, basename in app.router.registry
}

_DESCRIPTIONS = {
    prefix: (viewset.__doc__ or "").strip().splitlines()[0] if viewset.__doc__ else ""
    for app in _APPS
    for prefix, viewset, _basename in app.router.registry
}

urlpatterns = [
    path(
        "",
        api_views.ApiRootView.as_view(resources=_RESOURCES, descriptions=_DESCRIPTIONS),
        name="api-root",
    ),
    path("search/", api_views.SearchView.as_view(), name="api-search"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    *(path("", include(app)) for app in _APPS),
    # Anything else under /api/ is a JSON 404, not Django's HTML page.
    re_path(r"^[\s\S]*/$", api_views.api_not_found),
]
