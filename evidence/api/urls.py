"""The API under /api/: the root, each app's routes, the schema and the docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from evidence.api import views
from secretome.api import urls as secretome_urls
from trials.api import urls as trials_urls

router = SimpleRouter()
router.register("publications", views.PublicationViewSet, basename="publication")
router.register(
    "review-references", views.ReviewReferenceViewSet, basename="review-reference"
)
router.register("conditions", views.ConditionViewSet, basename="condition")
router.register("cell-sources", views.CellSourceViewSet, basename="cell-source")
router.register("therapies", views.TherapyViewSet, basename="therapy")
router.register(
    "comparison-points", views.ComparisonPointViewSet, basename="comparison-point"
)

_ROUTERS = [
    ("evidence-api", router),
    (trials_urls.app_name, trials_urls.router),
    (secretome_urls.app_name, secretome_urls.router),
]
_RESOURCES = {
    prefix: f"{namespace}:{basename}-list"
    for namespace, app_router in _ROUTERS
    for prefix, _viewset, basename in app_router.registry
}

urlpatterns = [
    path("", views.ApiRootView.as_view(resources=_RESOURCES), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("", include((router.urls, "evidence-api"))),
    path("", include(trials_urls)),
    path("", include(secretome_urls)),
    # Anything else under /api/ is a JSON 404, not Django's HTML page.
    re_path(r"^[\s\S]*/$", views.api_not_found),
]
