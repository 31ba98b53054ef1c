"""API routes of the vocabulary app (mounted under /api/ by evidence/site/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from evidence.api import views

app_name = "evidence-api"

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

urlpatterns = router.urls
