"""API routes of trials, studies and trial counts (mounted under /api/)."""

from rest_framework.routers import SimpleRouter

from trials.api import views

app_name = "trials-api"

router = SimpleRouter()
router.register("trials", views.TrialViewSet, basename="trial")
router.register("studies", views.StudyViewSet, basename="study")
router.register("trial-counts", views.TrialCountViewSet, basename="trial-count")

urlpatterns = router.urls
