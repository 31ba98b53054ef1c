"""What the cells secrete, what it does, and how it is modulated."""

from django.db import models
from django.db.models import Q

from evidence.base.formatting import related_names, title_of
from evidence.base.models import ProvenanceModel, VocabularyModel
from evidence.base.reversing import slug_url
from secretome import choices
from secretome.querysets import ComponentQuerySet, FindingQuerySet, ModificationQuerySet


class Component(VocabularyModel):
    """A secreted component: growth factor, cytokine, miRNA, EV subtype ..."""

    abbreviation = models.CharField(max_length=60, blank=True)
    kind = models.CharField(
        max_length=30,
        choices=choices.ComponentKind.choices,
        default=choices.ComponentKind.OTHER,
    )
    aliases = models.JSONField(default=list, blank=True)

    objects = ComponentQuerySet.as_manager()

    class Meta(VocabularyModel.Meta):
        constraints = [
            *VocabularyModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(kind__in=choices.ComponentKind.values),
                name="component_kind_valid",
            ),
        ]

    def get_absolute_url(self) -> str:
        return slug_url("secretome:component_detail", self.slug)


class Effect(VocabularyModel):
    """A therapeutic mechanism (angiogenesis, neuroprotection, immunomodulation ...)."""

    description = models.TextField(blank=True)

    def get_absolute_url(self) -> str:
        return slug_url("secretome:effect_detail", self.slug)


class ComponentFinding(ProvenanceModel):
    """An evidence item: component X -> effect Y in model Z."""

    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="findings"
    )
    effect = models.ForeignKey(
        Effect, on_delete=models.PROTECT, related_name="findings", null=True, blank=True
    )
    conditions = models.ManyToManyField(
        "evidence.Condition", related_name="component_findings", blank=True
    )
    model_systems = models.ManyToManyField(
        "trials.ModelSystem", related_name="component_findings", blank=True
    )
    model_as_printed = models.CharField(max_length=300, blank=True)
    cell_source = models.ForeignKey(
        "evidence.CellSource",
        on_delete=models.PROTECT,
        related_name="component_findings",
        null=True,
        blank=True,
    )
    statement = models.TextField()

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["component__name", "slug"]
        constraints = [*ProvenanceModel.Meta.constraints]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """Component → effect · condition(s) · model systems, e.g. "VEGF → Angiogenesis ·
        Myocardial infarction · Rat" (reads the relations `with_list_related()` loads)."""
        effect = self.effect.name if self.effect_id else "effect not stated"
        return title_of(
            f"{self.component.name} → {effect}",
            related_names(self, "conditions"),
            related_names(self, "model_systems") or self.model_as_printed,
        )

    def get_absolute_url(self) -> str:
        return slug_url("secretome:finding_detail", self.slug)


class Preconditioning(ProvenanceModel):
    """A strategy that modulates the secretome or its yield (Figure 6, section 8.2.1)."""

    name = models.CharField(max_length=200)
    category = models.CharField(
        max_length=30, choices=choices.PreconditioningCategory.choices
    )
    agent = models.CharField(max_length=200, blank=True)
    effect_text = models.TextField(blank=True)
    effects = models.ManyToManyField(
        Effect, related_name="preconditionings", blank=True
    )

    class Meta:
        ordering = ["category", "name"]
        verbose_name_plural = "preconditioning strategies"
        constraints = [
            *ProvenanceModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(category__in=choices.PreconditioningCategory.values),
                name="preconditioning_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("secretome:preconditioning_detail", self.slug)


class GeneticModification(ProvenanceModel):
    """A factor overexpressed in human MSCs and the disease model tested (Table 5)."""

    factor_as_printed = models.CharField(
        max_length=300,
        blank=True,
        help_text="Empty where the extraction cannot pair it.",
    )
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        related_name="genetic_modifications",
        null=True,
        blank=True,
    )
    cell_source = models.ForeignKey(
        "evidence.CellSource",
        on_delete=models.PROTECT,
        related_name="genetic_modifications",
        null=True,
        blank=True,
    )
    source_as_printed = models.CharField(max_length=200, blank=True)
    method = models.CharField(
        max_length=30, choices=choices.ModificationMethod.choices, blank=True
    )
    method_as_printed = models.CharField(max_length=200, blank=True)
    conditions = models.ManyToManyField(
        "evidence.Condition", related_name="genetic_modifications", blank=True
    )
    disease_as_printed = models.CharField(max_length=300, blank=True)

    objects = ModificationQuerySet.as_manager()

    class Meta:
        ordering = ["factor_as_printed", "slug"]
        constraints = [
            *ProvenanceModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(method__in=choices.ModificationMethod.values),
                name="geneticmodification_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """Factor overexpressed in the MSC source · disease model · method, e.g.
        "HGF overexpressed in UC-MSCs · Liver fibrosis · Adenovirus"."""
        factor = self.factor_as_printed or (
            self.component.name if self.component_id else ""
        )
        source = (
            self.cell_source.name if self.cell_source_id else self.source_as_printed
        )
        if factor:
            first = f"{factor} overexpressed in {source}" if source else factor
        else:
            first = f"{source or 'MSCs'}, factor not paired"
        return title_of(
            first,
            related_names(self, "conditions") or self.disease_as_printed,
            self.get_method_display() if self.method else self.method_as_printed,
        )

    def get_absolute_url(self) -> str:
        return slug_url("secretome:geneticmodification_detail", self.slug)
