"""factory_boy factories, one per model."""

import factory
from factory.django import DjangoModelFactory

from evidence import choices
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from trials.models import (
    ClinicalTrial,
    ModelSystem,
    OutcomeClass,
    Study,
    TrialCountSnapshot,
)


class PublicationFactory(DjangoModelFactory):
    class Meta:
        model = Publication
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"author-{n}-2020")
    doi = factory.Sequence(lambda n: f"10.1000/test.{n}")
    title = factory.Sequence(lambda n: f"A study of paracrine factors {n}")
    authors = "Doe J, Roe R"
    journal = "Journal of Tests"
    year = 2020
    kind = choices.PublicationKind.PRIMARY


class ReviewFactory(PublicationFactory):
    slug = factory.Sequence(lambda n: f"review-{n}-2021")
    kind = choices.PublicationKind.REVIEW


class ReviewReferenceFactory(DjangoModelFactory):
    class Meta:
        model = ReviewReference

    review = factory.SubFactory(ReviewFactory)
    number = factory.Sequence(lambda n: n + 1)


class ConditionFactory(DjangoModelFactory):
    class Meta:
        model = Condition
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"condition-{n}")
    name = factory.Sequence(lambda n: f"Condition {n}")
    category = choices.ConditionCategory.OTHER


class CellSourceFactory(DjangoModelFactory):
    class Meta:
        model = CellSource
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"cell-source-{n}")
    name = factory.Sequence(lambda n: f"Cell source {n}")
    tissue = "bone marrow"
    cell_type = "MSC"
    potency = choices.Potency.MULTIPOTENT


class ProvenanceFactory(DjangoModelFactory):
    """Fills the provenance fields of a curated record."""

    class Meta:
        abstract = True

    source_review = factory.SubFactory(ReviewFactory)
    locator = factory.Sequence(lambda n: f"Table 9, row {n + 1}")


class TherapyFactory(ProvenanceFactory):
    class Meta:
        model = Therapy

    slug = factory.Sequence(lambda n: f"therapy-{n}")
    name = factory.Sequence(lambda n: f"Therapy {n}")
    modality = choices.Modality.CELLS
    cell_source = factory.SubFactory(CellSourceFactory)


class CellFreeTherapyFactory(TherapyFactory):
    modality = choices.Modality.EXOSOMES
    parent = factory.SubFactory(TherapyFactory)


class ComparisonPointFactory(ProvenanceFactory):
    class Meta:
        model = ComparisonPoint

    slug = factory.Sequence(lambda n: f"point-{n}")
    aspect = choices.ComparisonAspect.MANUFACTURING
    side = choices.ComparisonSide.STEM_CELL
    ordinal = factory.Sequence(lambda n: n + 1)
    text = "General culture condition can be used."


class OutcomeClassFactory(DjangoModelFactory):
    class Meta:
        model = OutcomeClass
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"outcome-{n}")
    name = factory.Sequence(lambda n: f"Outcome {n}")


class ModelSystemFactory(DjangoModelFactory):
    class Meta:
        model = ModelSystem
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"model-system-{n}")
    name = factory.Sequence(lambda n: f"Model system {n}")


def _vocab(model, slug):
    return model.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


class ClinicalTrialFactory(ProvenanceFactory):
    class Meta:
        model = ClinicalTrial
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"nct{n:08d}")
    nct_id = factory.Sequence(lambda n: f"NCT{n:08d}")
    design_as_printed = "A phase I/II, open-label study"
    phase = "1_2"
    status = "completed"
    therapy = factory.SubFactory(TherapyFactory)
    route = "intravenous"
    evidence_level = "B"
    evidence_level_derived = "B"

    @factory.post_generation
    def conditions(self, create, extracted, **kwargs):
        if create and extracted:
            self.conditions.set(extracted)

    @factory.post_generation
    def outcome_classes(self, create, extracted, **kwargs):
        if create and extracted:
            self.outcome_classes.set([_vocab(OutcomeClass, s) for s in extracted])


class StudyFactory(ProvenanceFactory):
    class Meta:
        model = Study
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"study-{n}")
    title = factory.Sequence(lambda n: f"Doe et al. {n}")
    stage = "preclinical"
    therapy = factory.SubFactory(CellFreeTherapyFactory)
    year = 2020
    evidence_level = "D"
    evidence_level_derived = "D"

    @factory.post_generation
    def conditions(self, create, extracted, **kwargs):
        if create and extracted:
            self.conditions.set(extracted)

    @factory.post_generation
    def model_systems(self, create, extracted, **kwargs):
        if create and extracted:
            self.model_systems.set([_vocab(ModelSystem, s) for s in extracted])


class TrialCountSnapshotFactory(ProvenanceFactory):
    class Meta:
        model = TrialCountSnapshot

    slug = factory.Sequence(lambda n: f"count-{n}")
    series = factory.Sequence(
        lambda n: ["msc_2011", "msc_2021", "exosomes_2021"][n % 3]
    )
    phase = factory.Sequence(
        lambda n: ["early_1", "1", "1_2", "2", "2_3", "3", "4", "na"][(n // 3) % 8]
    )
    count = 10
    as_of_year = 2021


class ComponentFactory(DjangoModelFactory):
    class Meta:
        model = Component
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"component-{n}")
    name = factory.Sequence(lambda n: f"Component {n}")
    kind = "growth_factor"


class EffectFactory(DjangoModelFactory):
    class Meta:
        model = Effect
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"effect-{n}")
    name = factory.Sequence(lambda n: f"Effect {n}")


class ComponentFindingFactory(ProvenanceFactory):
    class Meta:
        model = ComponentFinding
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"finding-{n}")
    component = factory.SubFactory(ComponentFactory)
    effect = factory.SubFactory(EffectFactory)
    statement = "The factor promoted angiogenesis in a mouse model."

    @factory.post_generation
    def conditions(self, create, extracted, **kwargs):
        if create and extracted:
            self.conditions.set(extracted)


class PreconditioningFactory(ProvenanceFactory):
    class Meta:
        model = Preconditioning

    slug = factory.Sequence(lambda n: f"preconditioning-{n}")
    name = factory.Sequence(lambda n: f"Hypoxia {n}")
    category = "culture_condition"


class GeneticModificationFactory(ProvenanceFactory):
    class Meta:
        model = GeneticModification
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"modification-{n}")
    factor_as_printed = factory.Sequence(lambda n: f"Factor {n}")
    component = factory.SubFactory(ComponentFactory)
    cell_source = factory.SubFactory(CellSourceFactory)
    method = "lentivirus"
    method_as_printed = "Lentivirus"

    @factory.post_generation
    def conditions(self, create, extracted, **kwargs):
        if create and extracted:
            self.conditions.set(extracted)
