"""Every list page and list endpoint runs at most 8 SQL queries, at any data size.

The data comes from `generate_synthetic`'s service: 20 trials, then a few thousand, over
the curated vocabulary. Counts are cached between requests (evidence/base/counts.py), so each
request is measured with an empty cache: the figure is the most a request can cost.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trials.models import ClinicalTrial, Study
from trials.synthetic import synthetic_generate

MAX_QUERIES = 8
SMALL, LARGE = 20, 3000

LIST_PAGES = [
    "/trials/",
    "/trials/?condition={condition}&phase={phase}&modality={modality}",
    "/trials/?q={word}",
    # A second page that exists at both sizes (a page past the last is a 404).
    "/trials/?outcome=safe&sort=-phase&per_page=2&page=2",
    "/studies/",
    "/studies/?model={model}&condition={study_condition}&year_min=2000",
    "/studies/?q={word}",
    "/publications/",
    "/conditions/",
    "/cell-sources/",
    "/therapies/",
    "/secretome/",
    "/preconditioning/",
    "/genetic-modifications/",
]
LIST_ENDPOINTS = [
    "/api/trials/",
    "/api/trials/?condition={condition}&phase={phase}&modality={modality}",
    "/api/trials/?q={word}",
    "/api/trials/?format=csv&page_size=200",
    "/api/studies/",
    "/api/studies/?model={model}&q={study_word}",
    "/api/trial-counts/",
    "/api/publications/",
    "/api/review-references/",
    "/api/conditions/",
    "/api/cell-sources/",
    "/api/therapies/",
    "/api/comparison-points/",
]


def url_values() -> dict[str, str]:
    """Filter values that select rows at both sizes: those of the first records (the
    same seed generates the same first records)."""
    trial = ClinicalTrial.objects.order_by("pk").first()
    study = Study.objects.order_by("pk").first()
    condition = trial.conditions.order_by("pk").first()
    return {
        "condition": condition.slug,
        "phase": trial.phase,
        "modality": trial.therapy.modality,
        "word": max(condition.name.split(), key=len).lower(),
        "model": study.model_systems.order_by("pk").first().slug,
        "study_condition": study.conditions.order_by("pk").first().slug,
        # A word of that study's own condition: the filtered list is never empty (an
        # empty page skips its prefetches and would cost fewer queries at any size).
        "study_word": max(
            study.conditions.order_by("pk").first().name.split(), key=len
        ).lower(),
    }


def queries(client, url: str) -> int:
    cache.clear()  # the worst case: nothing cached yet
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


@pytest.fixture
def sizes(db, client):
    """Query counts per URL at SMALL trials, then at LARGE trials."""
    synthetic_generate(trials=SMALL, studies=SMALL, seed=3)
    values = url_values()
    urls = [u.format(**values) for u in LIST_PAGES + LIST_ENDPOINTS]
    for url in urls:  # per-process caches (content types, URL resolvers, labels)
        client.get(url)
    small = {url: queries(client, url) for url in urls}
    synthetic_generate(trials=LARGE, studies=LARGE // 3, seed=3, force=True)
    assert ClinicalTrial.objects.count() == LARGE
    assert url_values() == values
    large = {url: queries(client, url) for url in urls}
    return small, large


def test_list_queries_are_bounded_and_constant(sizes):
    small, large = sizes
    over = {url: n for url, n in large.items() if n > MAX_QUERIES}
    assert over == {}, f"more than {MAX_QUERIES} queries"
    changed = {
        url: (small[url], large[url]) for url in small if small[url] != large[url]
    }
    assert changed == {}, "query count depends on the data size"
