"""The secretome's query vocabulary: with_list_related() reads a list in a fixed number
of queries whatever its length, and carries the counts the lists show."""

import pytest

from secretome.models import Component, ComponentFinding, GeneticModification
from tests import factories as f

pytestmark = pytest.mark.django_db


def _finding(review, reference):
    finding = f.ComponentFindingFactory(
        component=f.ComponentFactory(),
        effect=f.EffectFactory(),
        cell_source=f.CellSourceFactory(),
        conditions=[f.ConditionFactory(), f.ConditionFactory()],
        primary_publication=f.PublicationFactory(),
        source_review=review,
    )
    finding.model_systems.set([f.ModelSystemFactory(), f.ModelSystemFactory()])
    finding.cited_references.set([reference])
    return finding


def _modification(review, reference):
    modification = f.GeneticModificationFactory(
        conditions=[f.ConditionFactory()],
        primary_publication=f.PublicationFactory(),
        source_review=review,
    )
    modification.cited_references.set([reference])
    return modification


def _read_finding(finding) -> tuple:
    """Everything a list row, a detail page and the API show of a finding."""
    return (
        finding.component.name,
        finding.effect.name,
        finding.cell_source.name,
        [c.name for c in finding.conditions.all()],
        [m.slug for m in finding.model_systems.all()],
        finding.source_review.slug,
        finding.primary_publication.doi,
        [(r.review.slug, r.number) for r in finding.cited_references.all()],
    )


def _read_modification(modification) -> tuple:
    return (
        modification.component.name,
        modification.cell_source.name,
        [c.name for c in modification.conditions.all()],
        modification.source_review.slug,
        modification.primary_publication.doi,
        [(r.review.slug, r.number) for r in modification.cited_references.all()],
    )


# One query for the rows (component, effect, cell source, review and primary publication
# joined), one per prefetch: conditions, model systems, cited references (with their
# review joined).
FINDING_QUERIES = 4
# Rows, conditions, cited references.
MODIFICATION_QUERIES = 3


@pytest.mark.parametrize("rows", [1, 6])
def test_findings_with_list_related_read_in_fixed_queries(
    rows, django_assert_num_queries
):
    review = f.ReviewFactory()
    reference = f.ReviewReferenceFactory(review=review)
    for _ in range(rows):
        _finding(review, reference)
    with django_assert_num_queries(FINDING_QUERIES):
        read = [_read_finding(x) for x in ComponentFinding.objects.with_list_related()]
    assert len(read) == rows
    assert all(len(row[3]) == 2 and len(row[4]) == 2 for row in read)


@pytest.mark.parametrize("rows", [1, 6])
def test_modifications_with_list_related_read_in_fixed_queries(
    rows, django_assert_num_queries
):
    review = f.ReviewFactory()
    reference = f.ReviewReferenceFactory(review=review)
    for _ in range(rows):
        _modification(review, reference)
    with django_assert_num_queries(MODIFICATION_QUERIES):
        read = [
            _read_modification(x)
            for x in GeneticModification.objects.with_list_related()
        ]
    assert len(read) == rows


def test_prefetched_conditions_and_model_systems_are_in_name_and_slug_order():
    finding = f.ComponentFindingFactory(
        conditions=[
            f.ConditionFactory(slug="stroke", name="Stroke"),
            f.ConditionFactory(slug="acute-lung-injury", name="Acute lung injury"),
        ]
    )
    finding.model_systems.set([f.ModelSystemFactory(slug="rat", name="Rat")])
    finding.model_systems.add(f.ModelSystemFactory(slug="mouse", name="Mouse"))
    read = ComponentFinding.objects.with_list_related().get()
    assert [c.slug for c in read.conditions.all()] == ["acute-lung-injury", "stroke"]
    assert [m.slug for m in read.model_systems.all()] == ["mouse", "rat"]


def test_component_list_counts_each_finding_once(django_assert_num_queries):
    vegf = f.ComponentFactory(slug="vegf", name="VEGF")
    f.ComponentFactory(slug="hgf", name="HGF")
    stroke, knee = f.ConditionFactory(), f.ConditionFactory()
    f.ComponentFindingFactory.create_batch(3, component=vegf, conditions=[stroke, knee])
    with django_assert_num_queries(1):
        counts = {
            c.slug: c.finding_count for c in Component.objects.with_list_related()
        }
    assert counts == {"vegf": 3, "hgf": 0}
    # The count is a sub-query of its own: a filter joined through the findings' two
    # conditions multiplies the joined rows (distinct() removes them), never the count.
    through_conditions = (
        Component.objects.with_list_related()
        .filter(findings__conditions__in=[stroke, knee])
        .distinct()
    )
    assert [(c.slug, c.finding_count) for c in through_conditions] == [("vegf", 3)]


def test_flagged_findings_are_those_with_flags():
    flagged = f.ComponentFindingFactory(flags=["effect not stated in the review"])
    f.ComponentFindingFactory(flags=[])
    assert list(ComponentFinding.objects.flagged()) == [flagged]
