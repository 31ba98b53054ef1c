from django.apps import AppConfig


class TrialsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "trials"

    def ready(self) -> None:
        from evidence import registry
        from trials import dataset, filtersets, services
        from trials.models import ClinicalTrial, Study, TrialCountSnapshot

        registry.register_seed("trials", services.fixed_vocabularies_ensure)

        registry.register(
            registry.Entity(
                "trials",
                ClinicalTrial,
                "Clinical trials",
                order=10,
                list_url="trials:trial_list",
                filterset=filtersets.TrialFilterSet,
                search_queryset=lambda: ClinicalTrial.objects.with_title_related(),
                review_label="Trials",
                nav_label="Trials",
                spec=dataset.TRIALS,
            ),
            registry.Entity(
                "studies",
                Study,
                "Studies",
                order=20,
                list_url="trials:study_list",
                filterset=filtersets.StudyFilterSet,
                search_queryset=lambda: Study.objects.with_title_related(),
                review_label="Studies",
                nav_label="Studies",
                spec=dataset.STUDIES,
            ),
            registry.Entity(
                "trial_counts",
                TrialCountSnapshot,
                "Registry trial counts",
                order=25,
                home_count=False,
                spec=dataset.TRIAL_COUNTS,
            ),
        )
