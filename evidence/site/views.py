"""Pages across apps: the home page, the comparison, the site search, and the detail pages
of vocabulary records that gather the trials, studies and secretome records citing them
(the condition's cell vs cell-free side by side). URL names stay in the "evidence"
namespace (evidence/site/urls.py)."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.views.generic import DetailView, TemplateView

from evidence.models import CellSource, Condition, Publication, ReviewReference, Therapy
from evidence.site import search as site_search
from evidence.site import selectors
from secretome.models import ComponentFinding, GeneticModification
from trials import selectors as trial_selectors
from trials.models import ClinicalTrial, Study


class HomeView(TemplateView):
    template_name = "evidence/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "entity_counts": selectors.entity_counts(),
                "review_counts": selectors.review_counts(),
                "charts": trial_selectors.trial_charts(),
                "figure4": trial_selectors.trial_count_series(),
            }
        )
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
    record = site_search.identified_record(text) if text else None
    if record is not None:
        return redirect(record.get_absolute_url())
    groups = site_search.search_everything(text=text) if text else []
    return render(
        request,
        "evidence/search.html",
        {
            "q": text,
            "groups": groups,
            "total": sum(g.total for g in groups),
            "suggestions": site_search.suggestions(text) if text and not groups else [],
        },
    )


class PublicationDetailView(DetailView):
    template_name = "evidence/publication_detail.html"

    def get_queryset(self):
        return Publication.objects.prefetch_related(
            Prefetch(
                "studies",
                queryset=Study.objects.select_related("therapy").order_by("title"),
            ),
            Prefetch(
                "trials_clinicaltrial_primary",
                queryset=ClinicalTrial.objects.order_by("slug"),
            ),
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
            context["extracted_trials"] = ClinicalTrial.objects.filter(
                source_review=publication
            ).count()
        context["citing_trials"] = list(
            ClinicalTrial.objects.filter(
                cited_references__publication=publication
            ).distinct()
        )
        return context


class ConditionDetailView(DetailView):
    template_name = "evidence/condition_detail.html"
    queryset = Condition.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.condition_side_by_side(condition=self.object))
        return context


class CellSourceDetailView(DetailView):
    template_name = "evidence/cellsource_detail.html"

    def get_queryset(self):
        return CellSource.objects.prefetch_related(
            Prefetch(
                "therapies",
                queryset=Therapy.objects.select_related("parent")
                .annotate(trial_count=Count("trials", distinct=True))
                .order_by("name"),
            ),
            Prefetch(
                "therapies__trials",
                queryset=ClinicalTrial.objects.order_by("slug"),
            ),
            Prefetch(
                "component_findings",
                queryset=ComponentFinding.objects.select_related("component", "effect"),
            ),
            Prefetch(
                "genetic_modifications",
                queryset=GeneticModification.objects.select_related("component"),
            ),
        )


class TherapyDetailView(DetailView):
    template_name = "evidence/therapy_detail.html"

    def get_queryset(self):
        return Therapy.objects.with_list_related().prefetch_related(
            Prefetch(
                "derived_products",
                queryset=Therapy.objects.select_related("cell_source").order_by("name"),
            ),
            Prefetch(
                "trials",
                queryset=ClinicalTrial.objects.prefetch_related("conditions").order_by(
                    "slug"
                ),
            ),
            Prefetch(
                "studies",
                queryset=Study.objects.prefetch_related("conditions").order_by("title"),
            ),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The ancestors: at most a few products, walked one query each.
        context["lineage"] = list(reversed(self.object.lineage()))
        return context
