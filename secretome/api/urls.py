"""API routes of the secretome app (mounted under /api/)."""

from rest_framework.routers import SimpleRouter

from secretome.api import views

app_name = "secretome-api"

router = SimpleRouter()
router.register("components", views.ComponentViewSet, basename="component")
router.register("effects", views.EffectViewSet, basename="effect")
router.register("findings", views.FindingViewSet, basename="finding")
router.register(
    "preconditioning", views.PreconditioningViewSet, basename="preconditioning"
)
router.register(
    "genetic-modifications",
    views.GeneticModificationViewSet,
    basename="genetic-modification",
)

urlpatterns = router.urls
