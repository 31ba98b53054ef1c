"""The pages issue 13 found collapsing at 100k trials stay bounded: the same number of
queries at 20 and at 300 trials, at most `RELATED_LIMIT` related records listed on a
detail page with the true totals, and counts that are right.

The vocabulary lists count through correlated sub-queries (evidence/base/querysets.py,
`related_count`), the detail pages list the first records of each kind, and downloads
stream in chunks. Each request is measured with an empty cache (the worst case) and a
streamed download is read to its end inside the measurement.
"""

from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from evidence.models import CellSource, Condition, Therapy
from evidence.site import selectors
from evidence.site.selectors import RELATED_LIMIT
from secretome.models import Component
from trials.models import ClinicalTrial, Study
from trials.synthetic import synthetic_generate

SMALL, LARGE = 20, 300

PAGES = [
    "/conditions/",
    "/conditions/?sort=-trial_count",
    "/conditions/?sort=study_count",
    "/cell-sources/?sort=-therapy_count",
    "/therapies/",
    "/therapies/?sort=-trial_count",
    "/therapies/?sort=study_count",
    "/secretome/?sort=-finding_count",
    "/conditions/{condition}/",
    "/therapies/{therapy_with_both}/",
    "/publications/{review}/",
    "/cell-sources/{cell_source}/",
    "/trials/?therapy={therapy}",
    "/studies/?therapy={study_therapy}",
    "/trials/?condition={condition}&export=csv",
    "/trials/?export=json",
    "/studies/?export=csv&sort=-year",
    "/trials/?export=ris",
    "/studies/?export=bibtex",
]


def url_values() -> dict[str, str]:
    """Records that exist at both sizes: those of the first trial and study (the same
    seed generates the same first records)."""
    trial = ClinicalTrial.objects.order_by("pk").first()
    study = Study.objects.filter(therapy__isnull=False).order_by("pk").first()
    # A therapy with trials and studies: an empty excerpt skips its prefetches, and
    # would cost fewer queries at the small size for that reason alone.
    with_studies = Study.objects.filter(therapy__isnull=False).values("therapy_id")
    both = (
        ClinicalTrial.objects.filter(therapy_id__in=with_studies).order_by("pk").first()
    )
    return {
        "therapy_with_both": both.therapy.slug,
        "condition": trial.conditions.order_by("pk").first().slug,
        "therapy": trial.therapy.slug,
        "study_therapy": study.therapy.slug,
        "review": trial.source_review.slug,
        "cell_source": ClinicalTrial.objects.filter(therapy__cell_source__isnull=False)
        .order_by("pk")
        .first()
        .therapy.cell_source.slug,
    }


def queries(client, url: str) -> int:
    cache.clear()  # nothing cached yet: the most a request can cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


@pytest.fixture
def grow(db):
    """Generate SMALL trials, then regrow to LARGE; returns the URLs and a callback."""

    def regrow():
        synthetic_generate(trials=LARGE, studies=LARGE // 2, seed=5, force=True)
        assert ClinicalTrial.objects.count() == LARGE

    synthetic_generate(trials=SMALL, studies=SMALL, seed=5)
    return regrow


def test_changed_pages_cost_the_same_queries_at_20_and_300_trials(client, grow):
    values = url_values()
    urls = [url.format(**values) for url in PAGES]
    for url in urls:  # per-process caches (content types, URL resolvers, templates)
        client.get(url)
    small = {url: queries(client, url) for url in urls}
    grow()
    # The chosen records exist at both sizes (the therapy with trials and studies is
    # the one chosen at the small size: at the large one another may come first).
    regrown = url_values()
    assert Study.objects.filter(therapy__slug=values["therapy_with_both"]).exists()
    regrown["therapy_with_both"] = values["therapy_with_both"]
    assert regrown == values
    large = {url: queries(client, url) for url in urls}
    changed = {
        url: (small[url], large[url]) for url in urls if small[url] != large[url]
    }
    assert changed == {}, "query count depends on the data size"


def test_condition_page_lists_at_most_the_limit_with_true_tallies(client, grow):
    grow()
    condition = (
        Condition.objects.annotate(n=Count("trials"))
        .filter(n__gt=RELATED_LIMIT)
        .order_by("-n")
        .first()
    )
    assert condition is not None, "the world needs a condition with many trials"
    response = client.get(condition.get_absolute_url())
    assert response.status_code == 200
    cells, cell_free = response.context["sides"]
    trials = list(
        ClinicalTrial.objects.filter(conditions=condition)
        .select_related("therapy")
        .prefetch_related("outcome_classes")
    )
    studies = list(
        Study.objects.filter(
            conditions=condition, therapy__isnull=False
        ).select_related("therapy")
    )
    for side, is_cells in ((cells, True), (cell_free, False)):
        side_trials = [t for t in trials if (t.therapy.modality == "cells") == is_cells]
        side_studies = [
            s for s in studies if (s.therapy.modality == "cells") == is_cells
        ]
        assert side.trial_total == len(side_trials)
        assert side.study_total == len(side_studies)
        assert len(side.trials) == min(RELATED_LIMIT, len(side_trials))
        assert [t.slug for t in side.trials] == sorted(t.slug for t in side_trials)[
            :RELATED_LIMIT
        ]
        assert dict(side.phases) == Counter(t.get_phase_display() for t in side_trials)
        assert dict(side.outcomes) == Counter(
            o.name for t in side_trials for o in t.outcome_classes.all()
        )
        assert dict(side.modalities) == Counter(
            r.therapy.get_modality_display() for r in [*side_trials, *side_studies]
        )
        assert dict(side.stages) == Counter(s.get_stage_display() for s in side_studies)
        assert dict(side.evidence_levels) == Counter(
            r.evidence_level or "—" for r in [*side_trials, *side_studies]
        )
    content = response.content.decode()
    assert f"of {cells.trial_total}." in content or not cells.more_trials
    if cells.more_trials:
        assert (
            f'href="/trials/?condition={condition.slug}&amp;modality=cells"' in content
        )


def test_therapy_page_lists_at_most_the_limit_and_links_to_all(
    client, grow, monkeypatch
):
    grow()
    limit = 5  # 300 trials over 53 therapies: a dozen at most for one
    monkeypatch.setattr(selectors, "RELATED_LIMIT", limit)
    therapy = (
        Therapy.objects.annotate(n=Count("trials"))
        .filter(n__gt=limit)
        .order_by("-n")
        .first()
    )
    assert therapy is not None, "the world needs a therapy with many trials"
    response = client.get(therapy.get_absolute_url())
    assert response.status_code == 200
    trials = response.context["trials"]
    assert [t.slug for t in trials.rows] == list(
        ClinicalTrial.objects.filter(therapy=therapy)
        .order_by("slug")
        .values_list("slug", flat=True)[:limit]
    )
    assert trials.total == therapy.n
    assert trials.more
    content = response.content.decode()
    assert f'href="/trials/?therapy={therapy.slug}"' in content
    # The link shows exactly the therapy's trials.
    listed = client.get(f"/trials/?therapy={therapy.slug}&per_page=1")
    assert listed.context["table"].page.paginator.count == therapy.n


def test_vocabulary_counts_are_the_true_counts_and_sort(client, grow):
    grow()

    def counts(url, column):
        response = client.get(f"{url}{'&' if '?' in url else '?'}per_page=400")
        assert response.status_code == 200
        return [
            (row.record.slug, getattr(row.record, column))
            for row in response.context["table"].page.object_list
        ]

    expected_trials = dict(
        Therapy.objects.annotate(n=Count("trials", distinct=True)).values_list(
            "slug", "n"
        )
    )
    expected_studies = dict(
        Therapy.objects.annotate(n=Count("studies", distinct=True)).values_list(
            "slug", "n"
        )
    )
    by_trials = counts("/therapies/?sort=-trial_count", "trial_count")
    assert dict(by_trials) == expected_trials
    assert [n for _, n in by_trials] == sorted(expected_trials.values(), reverse=True)
    assert dict(counts("/therapies/", "study_count")) == expected_studies

    expected = dict(
        Condition.objects.annotate(n=Count("studies", distinct=True)).values_list(
            "slug", "n"
        )
    )
    by_studies = counts("/conditions/?sort=study_count", "study_count")
    assert dict(by_studies) == expected
    assert [n for _, n in by_studies] == sorted(expected.values())
    assert dict(counts("/conditions/", "trial_count")) == dict(
        Condition.objects.annotate(n=Count("trials", distinct=True)).values_list(
            "slug", "n"
        )
    )
    assert dict(counts("/cell-sources/", "therapy_count")) == dict(
        CellSource.objects.annotate(n=Count("therapies")).values_list("slug", "n")
    )
    assert dict(counts("/secretome/", "finding_count")) == dict(
        Component.objects.annotate(n=Count("findings")).values_list("slug", "n")
    )
