from django.apps import AppConfig


class SecretomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "secretome"

    def ready(self) -> None:
        from evidence import registry
        from secretome import dataset, filtersets
        from secretome.models import (
            Component,
            ComponentFinding,
            Effect,
            GeneticModification,
            Preconditioning,
        )

        registry.register(
            registry.Entity(
                "components",
                Component,
                "Secretome components",
                order=60,
                list_url="secretome:component_list",
                filterset=filtersets.ComponentFilterSet,
                search_queryset=Component.objects.all,
                nav_label="Secretome",
                spec=dataset.COMPONENTS,
            ),
            registry.Entity(
                "effects",
                Effect,
                "Effects",
                order=65,
                filterset=filtersets.EffectFilterSet,
                search_queryset=Effect.objects.all,
                home_count=False,
                spec=dataset.EFFECTS,
            ),
            registry.Entity(
                "component_findings",
                ComponentFinding,
                "Component findings",
                order=70,
                count_url="secretome:component_list",
                filterset=filtersets.ComponentFindingFilterSet,
                search_queryset=lambda: ComponentFinding.objects.with_title_related(),
                review_label="Findings",
                spec=dataset.COMPONENT_FINDINGS,
            ),
            registry.Entity(
                "preconditioning",
                Preconditioning,
                "Preconditioning strategies",
                order=80,
                list_url="secretome:preconditioning_list",
                filterset=filtersets.PreconditioningFilterSet,
                search_queryset=Preconditioning.objects.all,
                review_label="Preconditioning",
                nav_label="Preconditioning",
                spec=dataset.PRECONDITIONING,
            ),
            registry.Entity(
                "genetic_modifications",
                GeneticModification,
                "Genetic modifications",
                order=90,
                list_url="secretome:geneticmodification_list",
                filterset=filtersets.GeneticModificationFilterSet,
                search_queryset=lambda: (
                    GeneticModification.objects.with_title_related()
                ),
                review_label="Genetic modifications",
                nav_label="Genetic modifications",
                spec=dataset.GENETIC_MODIFICATIONS,
            ),
        )
