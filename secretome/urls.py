"""Pages of the secretome app."""

from django.urls import path

from secretome import views

app_name = "secretome"

urlpatterns = [
    path("secretome/", views.ComponentListView.as_view(), name="component_list"),
    path(
        "secretome/<slug:slug>/",
        views.ComponentDetailView.as_view(),
        name="component_detail",
    ),
    path(
        "effects/<slug:slug>/", views.EffectDetailView.as_view(), name="effect_detail"
    ),
    path(
        "findings/<slug:slug>/",
        views.FindingDetailView.as_view(),
        name="finding_detail",
    ),
    path(
        "preconditioning/",
        views.PreconditioningListView.as_view(),
        name="preconditioning_list",
    ),
    path(
        "preconditioning/<slug:slug>/",
        views.PreconditioningDetailView.as_view(),
        name="preconditioning_detail",
    ),
    path(
        "genetic-modifications/",
        views.GeneticModificationListView.as_view(),
        name="geneticmodification_list",
    ),
    path(
        "genetic-modifications/<slug:slug>/",
        views.GeneticModificationDetailView.as_view(),
        name="geneticmodification_detail",
    ),
]
