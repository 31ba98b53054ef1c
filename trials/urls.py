"""Pages of trials and studies."""

from django.urls import path

from trials import views

app_name = "trials"

urlpatterns = [
    path("trials/", views.TrialListView.as_view(), name="trial_list"),
    path("trials/<slug:slug>/", views.TrialDetailView.as_view(), name="trial_detail"),
    path("studies/", views.StudyListView.as_view(), name="study_list"),
    path("studies/<slug:slug>/", views.StudyDetailView.as_view(), name="study_detail"),
]
