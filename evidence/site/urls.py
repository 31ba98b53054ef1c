"""Researcher pages in the "evidence" namespace: the home page, the comparison and the
search (evidence/site/views.py), the vocabulary lists (evidence/views.py) and their detail
pages."""

from django.urls import path

from evidence import views
from evidence.site import views as site_views

app_name = "evidence"

urlpatterns = [
    path("", site_views.HomeView.as_view(), name="home"),
    path("compare/", site_views.CompareView.as_view(), name="compare"),
    path("search/", site_views.search, name="search"),
    path("publications/", views.PublicationListView.as_view(), name="publication_list"),
    path(
        "publications/<slug:slug>/",
        site_views.PublicationDetailView.as_view(),
        name="publication_detail",
    ),
    path("conditions/", views.ConditionListView.as_view(), name="condition_list"),
    path(
        "conditions/<slug:slug>/",
        site_views.ConditionDetailView.as_view(),
        name="condition_detail",
    ),
    path("cell-sources/", views.CellSourceListView.as_view(), name="cellsource_list"),
    path(
        "cell-sources/<slug:slug>/",
        site_views.CellSourceDetailView.as_view(),
        name="cellsource_detail",
    ),
    path("therapies/", views.TherapyListView.as_view(), name="therapy_list"),
    path(
        "therapies/<slug:slug>/",
        site_views.TherapyDetailView.as_view(),
        name="therapy_detail",
    ),
]
