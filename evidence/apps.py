from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = "Evidence vocabulary"

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.models.signals import post_migrate

        from evidence import filtersets, registry
        from evidence.base import counts, search_index, writes
        from evidence.dataset import vocabulary as specs
        from evidence.models import (
            CellSource,
            ComparisonPoint,
            Condition,
            Publication,
            ReviewReference,
            Therapy,
        )

        # Any write makes the cached counts of lists and facets out of date.
        counts.connect_signals()
        # Saved and deleted records are indexed for search (evidence.base.search_index).
        search_index.connect_signals()
        post_migrate.connect(
            search_index.ensure_built, sender=self, dispatch_uid="atlas-search-index"
        )
        # Each request starts with no committed write (see evidence.middleware).
        request_started.connect(
            writes.reset_commit_log, dispatch_uid="atlas-reset-commit-log"
        )
        registry.register(
            registry.Entity(
                "therapies",
                Therapy,
                "Therapies",
                order=30,
                list_url="evidence:therapy_list",
                filterset=filtersets.TherapyFilterSet,
                search_queryset=lambda: Therapy.objects.select_related("cell_source"),
                review_label="Therapies",
                nav_label="Therapies",
                spec=specs.THERAPIES,
            ),
            registry.Entity(
                "conditions",
                Condition,
                "Conditions",
                order=40,
                list_url="evidence:condition_list",
                filterset=filtersets.ConditionFilterSet,
                search_queryset=Condition.objects.all,
                nav_label="Conditions",
                spec=specs.CONDITIONS,
            ),
            registry.Entity(
                "cell_sources",
                CellSource,
                "Cell sources",
                order=50,
                list_url="evidence:cellsource_list",
                filterset=filtersets.CellSourceFilterSet,
                search_queryset=CellSource.objects.all,
                nav_label="Cell sources",
                spec=specs.CELL_SOURCES,
            ),
            registry.Entity(
                "publications",
                Publication,
                "Publications",
                order=100,
                list_url="evidence:publication_list",
                filterset=filtersets.PublicationFilterSet,
                search_queryset=Publication.objects.all,
                nav_label="Publications",
                spec=specs.PUBLICATIONS,
            ),
            registry.Entity(
                "comparison_points",
                ComparisonPoint,
                "Comparison points",
                order=110,
                home_count=False,
                # Its list's `q` reads the normalised index; not in the site search.
                filterset=filtersets.ComparisonPointFilterSet,
                review_label="Comparison points",
                spec=specs.COMPARISON_POINTS,
            ),
            registry.Entity(
                "review_references",
                ReviewReference,
                "Review references",
                order=120,
                home_count=False,
                filterset=filtersets.ReviewReferenceFilterSet,
                spec=specs.REVIEW_REFERENCES,
            ),
        )
