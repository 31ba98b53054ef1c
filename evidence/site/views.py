"""Pages across apps: the home page, the comparison, the site search, and the detail pages
of vocabulary records that gather the trials, studies and secretome records citing them
(the condition's cell vs cell-free side by side). URL names stay in the "evidence"
namespace (evidence/site/urls.py)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from evidence.base.querysets import related_count
from evidence.models import CellSource, Condition, Publication, ReviewReference, Therapy
from evidence.querysets import ConditionTree, with_latest_release
from evidence.site import search as site_search
from evidence.site import selectors
from evidence.views import CitedDetailView
from secretome.models import ComponentFinding, GeneticModification
from trials import selectors as trial_selectors
from trials.models import ClinicalTrial, Study


class HomeView(TemplateView):
    template_name = "evidence/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.home_counts())
        context["figure4"] = trial_selectors.trial_count_series()
        return context


class CompareView(TemplateView):
    template_name = "evidence/compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["table4"] = selectors.comparison_table()
        context["gap_map"] = selectors.evidence_gap_map()
        return context


def search(request):
    text = " ".join(request.GET.get("q", "").split())[:200]
    # An identifier that names one record opens it.
    record, reference = site_search.identify(text) if text else (None, None)
    if record is not None:
        return redirect(record.get_absolute_url())
    # A review reference with no publication of its own: the records citing it.
    if reference is not None:
        groups = site_search.citing_groups(reference)
    else:
        groups = site_search.search_everything(text=text) if text else []
    return render(
        request,
        "evidence/search.html",
        {
            "q": text,
            "reference": reference,
            "reference_url": site_search.reference_url(reference) if reference else "",
            "groups": groups,
            "total": sum(g.total for g in groups),
            "suggestions": site_search.suggestions(text) if text and not groups else [],
        },
    )


def _citation_links(publication):
    """The links from trials to the review references that resolve to `publication` (a
    Publication or an OuterRef to one)."""
    return ClinicalTrial.cited_references.through._default_manager.filter(
        reviewreference__publication=publication
    )


class PublicationDetailView(CitedDetailView):
    """A publication and the records that cite it: the first `RELATED_LIMIT` of each kind
    with the true totals (a review may stand behind 100,000 trials)."""

    template_name = "evidence/publication_detail.html"

    def get_queryset(self):
        citing = (
            _citation_links(OuterRef("pk"))
            .order_by()
            .values("reviewreference__publication")
            .annotate(n=Count("clinicaltrial", distinct=True))
            .values("n")
        )
        return Publication.objects.annotate(
            # The totals ride in the publication's own query.
            extracted_trials=related_count(
                Publication, "trials_clinicaltrial_extracted"
            ),
            primary_trial_count=related_count(
                Publication, "trials_clinicaltrial_primary"
            ),
            study_count=related_count(Publication, "studies"),
            citing_trial_count=Coalesce(
                Subquery(citing, output_field=IntegerField()), Value(0)
            ),
        ).prefetch_related(
            Prefetch(
                "cited_as",
                queryset=ReviewReference.objects.select_related("review"),
            ),
            Prefetch(
                "reference_list",
                queryset=ReviewReference.objects.select_related("publication"),
            ),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        publication = self.object
        if publication.kind == "review":
            context["extracted_trials"] = publication.extracted_trials
        context["studies"] = selectors.excerpt(
            Study.objects.filter(publication=publication)
            .with_title_related()
            .order_by("title", "pk"),
            total=publication.study_count,
        )
        context["primary_trials"] = selectors.excerpt(
            ClinicalTrial.objects.filter(primary_publication=publication)
            .with_title_related()
            .order_by("slug"),
            total=publication.primary_trial_count,
        )
        context["citing_trials"] = selectors.excerpt(
            ClinicalTrial.objects.filter(
                pk__in=_citation_links(publication).values("clinicaltrial")
            )
            .with_title_related()
            .order_by("slug"),
            total=publication.citing_trial_count,
        )
        return context


class ConditionDetailView(CitedDetailView):
    """A condition's place in the hierarchy and its evidence side by side, the
    narrower conditions' evidence included."""

    template_name = "evidence/condition_detail.html"
    queryset = Condition.objects.all()

    def get_object(self, queryset=None):
        # All conditions in one query (they are few): the record and the hierarchy.
        conditions = list(with_latest_release(self.get_queryset()))
        self.tree = ConditionTree.of(conditions)
        for condition in conditions:
            if condition.slug == self.kwargs["slug"]:
                return condition
        raise Http404("No condition with this slug.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pk = self.object.pk
        context["ancestors"] = self.tree.ancestors(pk)
        context["children"] = self.tree.children(pk)
        context.update(
            selectors.condition_side_by_side(condition=self.object, tree=self.tree)
        )
        return context


class CellSourceDetailView(CitedDetailView):
    """A cell source's products, each with its trial count and first trials (one
    windowed query for all of them), and its secretome records."""

    template_name = "evidence/cellsource_detail.html"
    trials_per_product = 10

    def get_queryset(self):
        return CellSource.objects.prefetch_related(
            Prefetch(
                "therapies",
                queryset=Therapy.objects.select_related("parent")
                .annotate(trial_count=related_count(Therapy, "trials"))
                .order_by("name")
                .prefetch_related(
                    Prefetch(
                        "trials",
                        # Only what the link needs: the window sorts few columns.
                        queryset=ClinicalTrial.objects.only(
                            "pk", "slug", "nct_id", "therapy"
                        ).order_by("slug")[: self.trials_per_product],
                        to_attr="first_trials",
                    )
                ),
            ),
            Prefetch(
                "component_findings",
                queryset=ComponentFinding.objects.with_title_related(),
            ),
            Prefetch(
                "genetic_modifications",
                queryset=GeneticModification.objects.select_related("component"),
            ),
        )


class TherapyDetailView(CitedDetailView):
    """A product, its lineage, and the first `RELATED_LIMIT` of its trials and studies
    with their totals and links to the lists filtered by it."""

    template_name = "evidence/therapy_detail.html"

    def get_queryset(self):
        return (
            Therapy.objects.with_list_related()
            .with_counts()
            .prefetch_related(
                Prefetch(
                    "derived_products",
                    queryset=Therapy.objects.select_related("cell_source").order_by(
                        "name"
                    ),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        therapy = self.object
        # The ancestors: at most a few products, walked one query each.
        context["lineage"] = list(reversed(therapy.lineage()))
        by_therapy = [("therapy", therapy.slug)]
        context["trials"] = selectors.excerpt(
            ClinicalTrial.objects.filter(therapy=therapy)
            .with_title_related()
            .order_by("slug"),
            url=selectors.list_url("trials:trial_list", by_therapy),
            total=therapy.trial_count,
        )
        context["studies"] = selectors.excerpt(
            Study.objects.filter(therapy=therapy)
            .with_title_related()
            .order_by("title", "pk"),
            url=selectors.list_url("trials:study_list", by_therapy),
            total=therapy.study_count,
        )
        return context
