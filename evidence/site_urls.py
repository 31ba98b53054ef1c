"""Researcher pages of the shared vocabulary, the overview, comparison and search."""

from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("search/", views.search, name="search"),
    path("publications/", views.PublicationListView.as_view(), name="publication_list"),
    path(
        "publications/<slug:slug>/",
        views.PublicationDetailView.as_view(),
        name="publication_detail",
    ),
    path("conditions/", views.ConditionListView.as_view(), name="condition_list"),
    path(
        "conditions/<slug:slug>/",
        views.ConditionDetailView.as_view(),
        name="condition_detail",
    ),
    path("cell-sources/", views.CellSourceListView.as_view(), name="cellsource_list"),
    path(
        "cell-sources/<slug:slug>/",
        views.CellSourceDetailView.as_view(),
        name="cellsource_detail",
    ),
    path("therapies/", views.TherapyListView.as_view(), name="therapy_list"),
    path(
        "therapies/<slug:slug>/",
        views.TherapyDetailView.as_view(),
        name="therapy_detail",
    ),
]
