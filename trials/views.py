"""Researcher pages of clinical trials and studies."""

from evidence.base import citations
from evidence.base.exports import CHUNK_SIZE
from evidence.base.facets import PROVENANCE_PATHS
from evidence.base.views import AtlasListView
from evidence.views import CitedDetailView
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

    def citation_items(self):
        """One record per trial: its registry record (evidence/base/citations.py)."""
        base_url = self.request.build_absolute_uri("/").rstrip("/")
        return (
            citations.trial_item(trial, base_url=base_url)
            for trial in self.object_list.iterator(chunk_size=CHUNK_SIZE)
        )


class TrialDetailView(CitedDetailView):
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

    def citation_items(self):
        """Studies are cited through their publication (or primary publication, or
        resolved review references; the review that reports them when none is known),
        each publication once."""
        seen: set[int] = set()
        studies = self.object_list.prefetch_related("cited_references__publication")
        for study in studies.iterator(chunk_size=CHUNK_SIZE):
            for publication in citations.record_publications(study):
                if publication.pk not in seen:
                    seen.add(publication.pk)
                    yield citations.publication_item(publication)


class StudyDetailView(CitedDetailView):
    template_name = "trials/study_detail.html"

    def get_queryset(self):
        return Study.objects.with_list_related()
