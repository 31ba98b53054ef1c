"""The entity registry: every app's entities are registered, and pages across apps read
it (a throwaway entity registered in a test shows up without touching other code)."""

import pytest
from django.urls import reverse

from evidence import registry
from evidence.dataset.specs import specs
from tests.factories import ConditionFactory
from trials.models import ModelSystem


def test_every_entity_with_a_list_page_is_registered_once():
    names = [e.name for e in registry.entities()]
    assert len(names) == len(set(names))
    spec_names = {spec.name for spec in specs()}
    # Registry names are the dataset's names, so the two can be joined.
    assert set(names) <= spec_names
    for entity in registry.entities():
        if entity.list_url:
            reverse(entity.list_url)  # raises when the URL name is wrong
        assert registry.for_model(entity.model) is entity


def test_registering_a_name_twice_for_another_model_is_refused():
    trials = registry.entity("trials")
    with pytest.raises(ValueError):
        registry.register(registry.Entity("trials", ModelSystem, "x", order=1))
    assert registry.entity("trials") is trials


@pytest.fixture
def throwaway_entity():
    """Model systems, registered as if an app had added them as a new entity."""
    from trials.filtersets import StudyFilterSet

    class ModelSystemSearch(StudyFilterSet):
        search_fields = ("name", "slug")
        vector_fields = ()

        class Meta(StudyFilterSet.Meta):
            model = ModelSystem
            fields = []

    entity = registry.Entity(
        "model_systems",
        ModelSystem,
        "Model systems (throwaway)",
        order=15,
        list_url="trials:study_list",
        filterset=ModelSystemSearch,
        search_queryset=ModelSystem.objects.all,
        nav_label="Model systems (throwaway)",
    )
    registry.register(entity)
    yield entity
    registry.unregister("model_systems")


@pytest.mark.django_db
def test_a_registered_entity_appears_on_home_in_search_and_in_the_nav(
    client, throwaway_entity
):
    ModelSystem.objects.get_or_create(
        slug="zebrafish-x", defaults={"name": "Zebrafishx"}
    )
    ConditionFactory()
    home = client.get(reverse("evidence:home"))
    counts = {label: n for label, n, _ in home.context["entity_counts"]}
    assert counts["Model systems (throwaway)"] == ModelSystem.objects.count()
    assert "Model systems (throwaway)</a>" in home.content.decode()

    found = client.get(reverse("evidence:search"), {"q": "zebrafishx"})
    labels = [group.label for group in found.context["groups"]]
    assert "Model systems (throwaway)" in labels


@pytest.mark.django_db
def test_without_it_the_pages_do_not_know_the_entity(client):
    home = client.get(reverse("evidence:home"))
    assert "Model systems (throwaway)" not in home.content.decode()


@pytest.fixture
def throwaway_dataset_entity():
    """Model systems as a curated entity with a record format of their own."""
    from evidence.dataset.specs import EntitySpec

    spec = EntitySpec("model_systems", ModelSystem, ("slug", "name"), provenance=False)
    registry.register(
        registry.Entity(
            "model_systems", ModelSystem, "Model systems", order=15, spec=spec
        )
    )
    yield spec
    registry.unregister("model_systems")


@pytest.mark.django_db
def test_a_registered_spec_joins_the_load_export_and_import(
    tmp_path, throwaway_dataset_entity
):
    """Registering an entity with its spec is all it takes: the fixtures' loader and
    exporter, the curators' import/export and the backups' app list find it."""
    from evidence.dataset.export import dataset_export
    from evidence.dataset.load import dataset_load
    from evidence.dataset.resources import resources_by_name

    spec = throwaway_dataset_entity
    assert spec in specs()
    assert "model_systems" in resources_by_name()
    assert "trials" in registry.app_labels()

    ModelSystem.objects.get_or_create(slug="axolotl-x", defaults={"name": "Axolotl"})
    counts = dataset_export(directory=tmp_path)
    assert counts["model_systems"] == ModelSystem.objects.count()
    exported = (tmp_path / "model_systems.yaml").read_text(encoding="utf-8")
    assert "slug: axolotl-x" in exported

    (tmp_path / "model_systems.yaml").write_text(
        exported.replace("name: Axolotl", "name: Axolotl (renamed)"), encoding="utf-8"
    )
    result = dataset_load(directory=tmp_path)
    assert result.updated["model_systems"] == 1
    assert ModelSystem.objects.get(slug="axolotl-x").name == "Axolotl (renamed)"

    exported = resources_by_name()["model_systems"]().export().export("csv")
    assert "axolotl-x,Axolotl (renamed)" in exported


def test_specs_load_after_the_records_they_point_at():
    order = [spec.name for spec in specs()]
    for spec in specs():
        for relation in (*spec.foreign_keys.values(), *spec.many_to_many.values()):
            target = registry.for_model(relation.model)
            if (
                target is not None
                and target.spec is not None
                and target.spec is not spec
            ):
                assert order.index(target.name) < order.index(spec.name), spec.name
        if spec.provenance:
            assert order.index("publications") < order.index(spec.name)
            assert order.index("review_references") < order.index(spec.name)
