"""Secretome models: validation (full_clean), the database's own checks, protection of
referenced rows, and how records name and link themselves."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import ProtectedError

from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

FACTORIES = {
    Component: f.ComponentFactory,
    Effect: f.EffectFactory,
    ComponentFinding: f.ComponentFindingFactory,
    Preconditioning: f.PreconditioningFactory,
    GeneticModification: f.GeneticModificationFactory,
}
MODELS = [pytest.param(model, id=model.__name__) for model in FACTORIES]


def refused_by_database(model, pk, **values) -> bool:
    """Whether the database refuses an UPDATE that skips every Python-side check."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**values)
    except (IntegrityError, DataError):
        return True
    return False


def _errors(instance) -> dict[str, list[ValidationError]]:
    try:
        instance.full_clean()
    except ValidationError as exc:
        return exc.error_dict
    return {}


def validation_errors(instance) -> dict[str, list[str]]:
    """Field -> error codes of full_clean(), {} when the record is valid."""
    return {
        field: [error.code for error in errors]
        for field, errors in _errors(instance).items()
    }


def validation_messages(instance) -> dict[str, list[str]]:
    """Field -> error messages of full_clean()."""
    return {
        field: [message for error in errors for message in error.messages]
        for field, errors in _errors(instance).items()
    }


@pytest.mark.parametrize("model", MODELS)
def test_a_factory_record_is_valid(model):
    assert validation_errors(FACTORIES[model]()) == {}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("slug", ["Vegf", "vegf_a", "vegf--a"])
def test_slug_outside_the_format_is_refused_by_validation_and_database(model, slug):
    # Django's SlugField takes upper case and underscores; the named check does not.
    record = FACTORIES[model]()
    record.slug = slug
    constraint = f"{model._meta.app_label}_{model._meta.model_name}_slug_format"
    assert validation_messages(record) == {
        "__all__": [f"Constraint “{constraint}” is violated."]
    }
    assert refused_by_database(model, record.pk, slug=slug)


@pytest.mark.parametrize("model", MODELS)
def test_slug_with_a_space_is_refused_by_the_field(model):
    record = FACTORIES[model]()
    record.slug = "ve gf"
    assert validation_errors(record) == {"slug": ["invalid"]}
    assert refused_by_database(model, record.pk, slug="ve gf")


@pytest.mark.parametrize("model", MODELS)
def test_slug_of_digits_only_is_refused_by_validation(model):
    # It would read as a database id in the API's URLs.
    record = FACTORIES[model]()
    record.slug = "2021"
    assert validation_errors(record) == {"slug": ["numeric_slug"]}


@pytest.mark.parametrize("model", MODELS)
def test_duplicate_slug_is_refused_by_the_database(model):
    first = FACTORIES[model]()
    second = FACTORIES[model]()
    assert refused_by_database(model, second.pk, slug=first.slug)


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        pytest.param(Component, "kind", "gas", id="component-kind"),
        pytest.param(
            Preconditioning, "category", "prayer", id="preconditioning-category"
        ),
        pytest.param(GeneticModification, "method", "crispr", id="modification-method"),
    ],
)
def test_value_outside_its_vocabulary_is_refused(model, field, value):
    record = FACTORIES[model]()
    setattr(record, field, value)
    assert validation_errors(record) == {field: ["invalid_choice"]}
    assert refused_by_database(model, record.pk, **{field: value})


def test_a_modification_method_may_be_undetermined():
    # "" is the vocabulary's "Not determined", not a missing value.
    record = f.GeneticModificationFactory(method="")
    assert validation_errors(record) == {}
    assert not refused_by_database(GeneticModification, record.pk, method="")
    assert record.get_method_display() == "Not determined"


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m.values[0] not in (Component, Effect)]
)
def test_curated_record_without_locator_is_refused(model):
    record = FACTORIES[model]()
    record.locator = ""
    assert validation_errors(record) == {"locator": ["blank"]}
    assert refused_by_database(model, record.pk, locator="")


def test_finding_needs_a_statement_and_a_component():
    finding = f.ComponentFindingFactory()
    finding.statement = ""
    assert validation_errors(finding) == {"statement": ["blank"]}
    assert refused_by_database(ComponentFinding, finding.pk, component=None)


def test_component_and_effect_with_findings_cannot_be_deleted():
    finding = f.ComponentFindingFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        finding.component.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        finding.effect.delete()
    assert ComponentFinding.objects.filter(pk=finding.pk).exists()


def test_component_with_a_genetic_modification_cannot_be_deleted():
    modification = f.GeneticModificationFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        modification.component.delete()


def test_finding_title_names_component_effect_condition_and_model():
    vegf = f.ComponentFactory(slug="vegf", name="VEGF")
    angiogenesis = f.EffectFactory(slug="angiogenesis", name="Angiogenesis")
    assert str(f.ComponentFindingFactory(component=vegf, effect=angiogenesis)) == (
        "VEGF → Angiogenesis"
    )
    assert str(f.ComponentFindingFactory(component=vegf, effect=None)) == (
        "VEGF → effect not stated"
    )
    stroke = f.ConditionFactory(name="Ischaemic stroke")
    rat = f.ModelSystemFactory(name="Rat")
    finding = f.ComponentFindingFactory(
        component=vegf, effect=angiogenesis, conditions=[stroke]
    )
    finding.model_systems.set([rat])
    assert str(finding) == "VEGF → Angiogenesis · Ischaemic stroke · Rat"
    # Without a normalised model system, the model as printed.
    printed = f.ComponentFindingFactory(
        component=vegf, effect=angiogenesis, model_as_printed="Rat model of stroke"
    )
    assert str(printed) == "VEGF → Angiogenesis · Rat model of stroke"


def test_modification_title_names_factor_source_disease_and_method():
    source = f.CellSourceFactory(name="Umbilical cord MSC")
    stroke = f.ConditionFactory(name="Ischaemic stroke")
    akt = f.GeneticModificationFactory(
        factor_as_printed="Akt",
        cell_source=source,
        method="adenovirus",
        conditions=[stroke],
    )
    assert str(akt) == (
        "Akt overexpressed in Umbilical cord MSC · Ischaemic stroke · Adenovirus"
    )
    unpaired = f.GeneticModificationFactory(
        slug="foo2021-t5-r12",
        factor_as_printed="",
        component=None,
        cell_source=None,
        source_as_printed="",
        method="",
        method_as_printed="",
        disease_as_printed="Liver fibrosis",
    )
    # Never the slug: what is known, and that the factor is not paired.
    assert str(unpaired) == "MSCs, factor not paired · Liver fibrosis"


@pytest.mark.parametrize(
    ("model", "prefix"),
    [
        pytest.param(Component, "/secretome/", id="Component"),
        pytest.param(Effect, "/effects/", id="Effect"),
        pytest.param(ComponentFinding, "/findings/", id="ComponentFinding"),
        pytest.param(Preconditioning, "/preconditioning/", id="Preconditioning"),
        pytest.param(
            GeneticModification, "/genetic-modifications/", id="GeneticModification"
        ),
    ],
)
def test_absolute_url_is_the_slug_under_the_plural_path(model, prefix):
    record = FACTORIES[model]()
    assert record.get_absolute_url() == f"{prefix}{record.slug}/"
