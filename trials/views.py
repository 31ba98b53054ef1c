"""Researcher pages of clinical trials and studies."""

from django.views.generic import DetailView

from evidence.base.facets import PROVENANCE_PATHS
from evidence.base.views import AtlasListView
from trials.filtersets import StudyFilterSet, TrialFilterSet
from trials.models import ClinicalTrial, Study
from trials.tables import StudyTable, TrialTable


class TrialListView(AtlasListView):
    filterset_class = TrialFilterSet
    table_class = TrialTable
    title = "Clinical trials"
    noun = "trials"
    noun_one = "trial"
    intro = (
        "Clinical trials of cell and cell-free therapies, as the reviews report them."
    )


class TrialDetailView(DetailView):
    template_name = "trials/trial_detail.html"

    def get_queryset(self):
        return ClinicalTrial.objects.with_list_related().select_related(
            "therapy__parent__cell_source"
        )


class StudyListView(AtlasListView):
    filterset_class = StudyFilterSet
    table_class = StudyTable
    title = "Studies"
    noun = "studies"
    noun_one = "study"
    intro = "Primary pre-clinical and clinical studies summarised by the reviews."
    citation_paths = (*PROVENANCE_PATHS, "publication")


class StudyDetailView(DetailView):
    template_name = "trials/study_detail.html"

    def get_queryset(self):
        return Study.objects.with_list_related()
