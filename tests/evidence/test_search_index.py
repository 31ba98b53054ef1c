"""The normalised search index (evidence.base.search_index): kept in step with saves and
deletes, rebuilt to the same rows, and (SQLite) its FTS5 table answers like LIKE."""

import pytest
from django.db import connection
from django.db.models import Q

from evidence import registry
from evidence.base import search_index
from evidence.base.models import SearchEntry
from secretome.models import Component
from tests import factories

pytestmark = pytest.mark.django_db

WORDS = ["tgfb1", "il1b", "mir", "kne", "osteo", "ab", "x", "zzzz", "101000"]


def entry(record):
    entity = registry.for_model(type(record))
    return SearchEntry.objects.get(entity=entity.name, object_id=record.pk)


def test_saves_and_deletes_keep_the_index_in_step():
    component = factories.ComponentFactory(
        name="Interleukin-1 beta", abbreviation="IL-1β"
    )
    assert "|il1b|" in entry(component).names
    assert "interleukin1b" in entry(component).text
    component.aliases = ["Danišovič factor"]
    component.save()
    assert "danisovic" in entry(component).text
    assert list(
        search_index.search_queryset(Component.objects.all(), "Danisovic factor")
    ) == [component]
    pk = component.pk
    component.delete()
    assert not SearchEntry.objects.filter(entity="components", object_id=pk).exists()


def test_rebuild_writes_the_same_entries_as_the_saves():
    factories.ClinicalTrialFactory(
        condition_as_printed="Knee osteoarthritis (ischaemic)"
    )
    factories.ComponentFactory(
        name="Transforming growth factor-beta 1", aliases=["TGF-b1"]
    )
    factories.StudyFactory(title="Oh et al. 2020")
    before = set(
        SearchEntry.objects.values_list("entity", "object_id", "names", "text")
    )
    SearchEntry.objects.all().delete()
    assert search_index.rebuild() == len(before)
    after = set(SearchEntry.objects.values_list("entity", "object_id", "names", "text"))
    assert after == before


@pytest.mark.parametrize("column", ["text", "names"])
def test_indexed_matching_answers_like_like(column):
    factories.ClinicalTrialFactory(condition_as_printed="Knee osteoarthritis")
    factories.ComponentFactory(name="TGF-β1", aliases=["IL-1β", "miR-21"])
    factories.PublicationFactory(doi="10.1000/abc.1")
    for word in WORDS:
        indexed = set(
            SearchEntry.objects.filter(
                search_index._contains(column, word)
            ).values_list("pk", flat=True)
        )
        like = set(
            SearchEntry.objects.filter(Q(**{f"{column}__contains": word})).values_list(
                "pk", flat=True
            )
        )
        assert indexed == like, word
    assert SearchEntry.objects.filter(search_index._contains("text", "tgfb1")).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")
def test_sqlite_triggers_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [SearchEntry._meta.db_table],
        )
        triggers = {row[0] for row in cursor.fetchall()}
    table = SearchEntry._meta.db_table
    assert triggers == {f"{table}_fts_{s}" for s in ("ai", "ad", "au")}


def test_migrate_builds_an_empty_index_over_existing_records():
    """A database migrated from before the index (records, no entries) is indexed by
    the next `migrate`, so its search does not silently find nothing."""
    from django.core.management import call_command

    component = factories.ComponentFactory(name="Hepatocyte growth factor")
    SearchEntry.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert "hepatocyte" in entry(component).text
    before = SearchEntry.objects.count()
    call_command("migrate", verbosity=0)  # a complete index is left as it is
    assert SearchEntry.objects.count() == before
