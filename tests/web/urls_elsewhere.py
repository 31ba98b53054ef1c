"""An URLconf that mounts the site under /elsewhere/ (tests of evidence.base.reversing)."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("evidence.urls"))]
