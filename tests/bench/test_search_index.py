"""The indexed trial and study search answers exactly what `icontains` would.

On SQLite the index is an FTS5 trigram table kept in step by triggers; on PostgreSQL a
pg_trgm GIN index (plus full-text matches, so there the result may only be larger).
"""

import pytest
from django.db import connection
from django.db.models import Q

from evidence.base.search import INDEXED_SEARCH, fts_table, text_search
from trials.filtersets import StudyFilterSet, TrialFilterSet
from trials.models import ClinicalTrial, Study
from trials.synthetic import synthetic_generate

pytestmark = pytest.mark.django_db

TERMS = ["cartilage", "nct9000001", "Phase I/II", "ASTHMA", "ro", "dose-dependent", "ü"]


def icontains(model, fields, text):
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return set(model.objects.filter(condition).values_list("pk", flat=True))


def searched(model, filterset_class, text):
    rows = text_search(
        model.objects.all(),
        text,
        fields=filterset_class.search_fields,
        vector_fields=filterset_class.vector_fields,
    )
    return set(rows.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("model", "filterset_class"),
    [(ClinicalTrial, TrialFilterSet), (Study, StudyFilterSet)],
)
def test_index_answers_like_icontains(model, filterset_class):
    synthetic_generate(trials=300, studies=300, seed=5)
    local = [f for f in filterset_class.search_fields if "__" not in f]
    # The FilterSet searches the fields the migration indexed: the fast path is taken.
    assert sorted(local) == sorted(INDEXED_SEARCH[model._meta.label])
    for text in TERMS:
        expected = icontains(model, filterset_class.search_fields, text)
        found = searched(model, filterset_class, text)
        if connection.vendor == "postgresql":
            assert expected <= found, text
        else:
            assert found == expected, text
    assert searched(model, filterset_class, "cartilage")  # the terms do match rows


def test_index_follows_inserts_updates_and_deletes():
    synthetic_generate(trials=5, studies=0, seed=5)
    trial = ClinicalTrial.objects.order_by("pk").first()
    assert searched(ClinicalTrial, TrialFilterSet, "zebrafish-xyz") == set()
    trial.design_as_printed = "A zebrafish-xyz pilot"
    trial.save()
    assert searched(ClinicalTrial, TrialFilterSet, "zebrafish-xyz") == {trial.pk}
    trial.design_as_printed = "A plain pilot"
    trial.save()
    assert searched(ClinicalTrial, TrialFilterSet, "zebrafish-xyz") == set()
    assert trial.pk in searched(ClinicalTrial, TrialFilterSet, trial.nct_id)
    ClinicalTrial.objects.filter(pk=trial.pk).delete()
    assert searched(ClinicalTrial, TrialFilterSet, trial.nct_id) == set()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")
def test_sqlite_triggers_survive_later_migrations():
    # Django rebuilds a SQLite table for most ALTERs, dropping its triggers: a later
    # migration of these tables must create them again (trials/migrations/0006).
    with connection.cursor() as cursor:
        for model in (ClinicalTrial, Study):
            table = model._meta.db_table
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
            triggers = {row[0] for row in cursor.fetchall()}
            assert triggers == {f"{table}_fts_{s}" for s in ("ai", "ad", "au")}
            cursor.execute(f'SELECT count(*) FROM "{fts_table(table)}"')


@pytest.mark.parametrize(
    "text", ["cartilage", "msc", "phase", "msc patients", "nct9000001"]
)
def test_ranked_search_counts_what_every_list_q_finds(text):
    from evidence import registry
    from evidence.base import search_index

    synthetic_generate(trials=300, studies=300, seed=5)
    entities = [e for e in registry.entities() if e.searchable]
    ranked = search_index.ranked_everything(entities, text, limit=10)
    for entity in entities:
        listed = search_index.search_queryset(entity.model.objects.all(), text)
        group = ranked.get(entity.name)
        assert (group.total if group else 0) == listed.count(), (text, entity.name)
        if group:
            assert {r.pk for r in group.records} <= set(
                listed.values_list("pk", flat=True)
            )
            assert len(group.records) == min(10, group.total)
    assert ranked["trials"].total  # every term matches trials
